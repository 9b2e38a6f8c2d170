// The public surface of the simulated world (`tsoracle/sim`). Workloads, checkers and the
// sim runner build on `World`; the pieces (scheduler, streams, disk, network, clock, trace)
// are exported for tests and for harnesses that need one of them alone.

export { benchScheduler } from './bench.js';
// The ports a simulated program is written against, so a program needs only this entry.
export {
  type AppendHandle,
  type Clock,
  type Connection,
  type ConnectionHandlers,
  type Disk,
  DiskError,
  type DiskErrorCode,
  type DiskLock,
  formatHostPort,
  type HostPort,
  type Listener,
  parseHostPort,
  sleep,
  type TimerHandle,
  type Transport,
} from '../drivers/ports.js';
export { CLOCK_EPOCH_MS_DEFAULT, type ClockOptions, NodeClockModel, SimClock } from './clock.js';
export {
  DISK_LATENCY_DEFAULT,
  type DiskFaults,
  type DiskImage,
  type DiskInspection,
  type DiskLatency,
  type DiskOptions,
  type LatencyRangeUs,
  type LatencySpikeRule,
  normalizePath,
  SimDisk,
} from './disk.js';
export { drivenDisk, drivenTransport } from './driven.js';
export {
  defineSimDriver,
  registerSimDriver,
  type SimDriverContext,
  type SimDriverExtras,
  type SimDriverModule,
  type SimPeer,
  type SimRunAccess,
} from './oracle/drivers.js';
export { FaultGate, type FaultRule } from './faults.js';
export * from './limits.js';
export {
  NETWORK_CONNECT_TIMEOUT_MS_DEFAULT,
  NETWORK_LATENCY_DEFAULT,
  NETWORK_STALL_RESET_MS_DEFAULT,
  type NetworkFaults,
  type NetworkOptions,
  SimNetwork,
} from './network.js';
export { Incarnation, type IncarnationState, type NodePorts, type ProcessHandle, type Program } from './process.js';
export { type Ratio, Rng } from './random.js';
export {
  type RunOptions,
  type RunOutcome,
  type RunStopReason,
  Scheduler,
  type SimEvent,
  TICKS_PER_MS,
} from './scheduler.js';
export { firstDivergence, hashTraceLines, Trace, type TraceDetails, type TraceEntry, type TraceOptions, type TraceValue } from './trace.js';
export {
  type NodeSpec,
  type NodeStatus,
  type RunReport,
  SimNode,
  World,
  type WorldFailure,
  type WorldOptions,
  type WorldStopReason,
} from './world.js';
export { collectReach, describeReach, marksFor, mergeReach, outsideReach, ReachTally, type MarkReach, type ReachSummary, type RunReach } from './oracle/reach.js';
