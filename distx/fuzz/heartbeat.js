// The hang watchdog's shared memory. A decoder stuck in an endless loop cannot be interrupted
// from its own thread, so the compiled fuzzer runs each target in a worker thread that writes,
// before every input, an execution counter and the input itself into a SharedArrayBuffer. The
// main thread polls it: when the counter stops moving for longer than the hang limit, it
// terminates the worker and saves the input it was stuck on as a `hang` finding.
//
// Layout (Int32 words, then bytes): [0] inputs started, [1] length of the current input, then
// the input's first HEARTBEAT_INPUT_BYTES_MAX bytes.
/** Input bytes the heartbeat keeps (inputs are at most this long; see FUZZ_INPUT_BYTES_MAX). */
export const HEARTBEAT_INPUT_BYTES_MAX = 64 * 1024;
const HEADER_WORDS = 2;
const HEADER_BYTES = HEADER_WORDS * 4;
export function createHeartbeatBuffer() {
    return new SharedArrayBuffer(HEADER_BYTES + HEARTBEAT_INPUT_BYTES_MAX);
}
/** The worker side: record the input about to run. */
export class HeartbeatWriter {
    words;
    bytes;
    constructor(buffer) {
        this.words = new Int32Array(buffer, 0, HEADER_WORDS);
        this.bytes = new Uint8Array(buffer, HEADER_BYTES);
    }
    beat(input) {
        const length = Math.min(input.length, HEARTBEAT_INPUT_BYTES_MAX);
        this.bytes.set(length === input.length ? input : input.subarray(0, length));
        Atomics.store(this.words, 1, length);
        Atomics.add(this.words, 0, 1);
    }
}
/** The watchdog side. */
export class HeartbeatReader {
    words;
    bytes;
    constructor(buffer) {
        this.words = new Int32Array(buffer, 0, HEADER_WORDS);
        this.bytes = new Uint8Array(buffer, HEADER_BYTES);
    }
    get started() {
        return Atomics.load(this.words, 0);
    }
    /** A copy of the input the worker started last. */
    currentInput() {
        const length = Atomics.load(this.words, 1);
        return this.bytes.slice(0, Math.max(0, Math.min(length, HEARTBEAT_INPUT_BYTES_MAX)));
    }
}
//# sourceMappingURL=heartbeat.js.map