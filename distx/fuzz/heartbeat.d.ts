/** Input bytes the heartbeat keeps (inputs are at most this long; see FUZZ_INPUT_BYTES_MAX). */
export declare const HEARTBEAT_INPUT_BYTES_MAX: number;
export declare function createHeartbeatBuffer(): SharedArrayBuffer;
/** The worker side: record the input about to run. */
export declare class HeartbeatWriter {
    private readonly words;
    private readonly bytes;
    constructor(buffer: SharedArrayBuffer);
    beat(input: Uint8Array): void;
}
/** The watchdog side. */
export declare class HeartbeatReader {
    private readonly words;
    private readonly bytes;
    constructor(buffer: SharedArrayBuffer);
    get started(): number;
    /** A copy of the input the worker started last. */
    currentInput(): Uint8Array;
}
