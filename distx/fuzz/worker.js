// Worker-thread entry: fuzzes one target and reports back, so the main thread's watchdog can
// stop a decoder stuck in an endless loop (see heartbeat.ts). Messages to the parent: `log`
// lines, each `finding` as soon as it is saved, then the final `report`.
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzTarget } from './engine.js';
import { HeartbeatWriter } from './heartbeat.js';
import { loadTarget } from './registry.js';
async function main() {
    const port = parentPort;
    if (port === null)
        throw new Error('fuzz/worker.js must run in a worker thread');
    const input = workerData;
    const post = (message) => port.postMessage(message);
    try {
        const target = await resolveTarget(input);
        const heartbeat = new HeartbeatWriter(input.heartbeat);
        const report = fuzzTarget(target, {
            ...input.options,
            beforeInput: (bytes) => heartbeat.beat(bytes),
            log: (line) => post({ type: 'log', line }),
            onFinding: (finding) => post({ type: 'finding', finding }),
        });
        post({ type: 'report', report });
    }
    catch (error) {
        post({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
}
async function resolveTarget(input) {
    if (input.targetModule === undefined)
        return loadTarget(input.targetName);
    const module = (await import(input.targetModule));
    const exported = module[input.exportName ?? 'default'];
    const target = typeof exported === 'function' ? exported() : exported;
    return target;
}
void main();
//# sourceMappingURL=worker.js.map