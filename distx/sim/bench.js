// Micro-benchmark of the scheduler (not a test: timings are reported, never asserted).
// `benchScheduler(events)` runs a self-rescheduling workload of `events` events on a fresh
// scheduler and returns events per second of wall time. Two kinds of event are measured:
//   - 'quiet': the simulator's own bookkeeping events (no drain of promise continuations);
//   - 'waking': events that resolve a promise awaited by an async "program" (the scheduler
//     drains continuations after each one via setImmediate), the shape of a timer or a disk
//     completion in a real run.
import { Scheduler } from './scheduler.js';
/** Runs `events` events of `kind` and returns events per wall-clock second. */
export async function benchScheduler(events, kind = 'quiet') {
    const scheduler = new Scheduler();
    // 64 independent "actors" keep the heap non-trivial, as in a multi-node run.
    const actors = 64;
    let remaining = events;
    const startedMs = performance.now();
    if (kind === 'quiet') {
        const tick = (actor) => {
            if (remaining <= 0)
                return;
            remaining--;
            scheduler.after(1 + (actor % 7), () => tick(actor), { waking: false });
        };
        for (let a = 0; a < actors; a++)
            scheduler.after(0, () => tick(a), { waking: false });
    }
    else {
        const sleep = (delayMs) => new Promise((resolve) => scheduler.after(delayMs, resolve));
        const actor = async (a) => {
            while (remaining > 0) {
                remaining--;
                await sleep(1 + (a % 7));
            }
        };
        for (let a = 0; a < actors; a++)
            void actor(a);
    }
    const outcome = await scheduler.run();
    const seconds = (performance.now() - startedMs) / 1000;
    return outcome.events / seconds;
}
//# sourceMappingURL=bench.js.map