// The public surface of the simulated world (`tsoracle/sim`). Workloads, checkers and the
// sim runner build on `World`; the pieces (scheduler, streams, disk, network, clock, trace)
// are exported for tests and for harnesses that need one of them alone.
export { benchScheduler } from './bench.js';
export { CLOCK_EPOCH_MS_DEFAULT, NodeClockModel, SimClock } from './clock.js';
export { DISK_LATENCY_DEFAULT, normalizePath, SimDisk, } from './disk.js';
export { drivenDisk, drivenTransport } from './driven.js';
export { FaultGate } from './faults.js';
export * from './limits.js';
export { NETWORK_CONNECT_TIMEOUT_MS_DEFAULT, NETWORK_LATENCY_DEFAULT, NETWORK_STALL_RESET_MS_DEFAULT, SimNetwork, } from './network.js';
export { Incarnation } from './process.js';
export { Rng } from './random.js';
export { Scheduler, TICKS_PER_MS, } from './scheduler.js';
export { firstDivergence, hashTraceLines, Trace } from './trace.js';
export { SimNode, World, } from './world.js';
//# sourceMappingURL=index.js.map