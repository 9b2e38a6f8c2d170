// The simulator's proof of the single-node oracle: swarm options, the cluster harness that runs
// the real file driver, serving node, protocol server and client in the world, the history and
// its checkers, the runner (swarm, determinism check, replay) and the benchmark.
export { benchOracle } from './bench.js';
export { Checker, VIOLATIONS_KEPT_MAX } from './checkers.js';
export { CONVERGED_WORKLOAD_MS_MIN, DATA_DIR, RUN_EVENTS_MAX, runSeed, SERVER_NODE, SERVER_PORT, SERVER_RECOVERY_MS, SERVER_START_TIMEOUT_MS, } from './cluster.js';
export { DurableView } from './durable.js';
export { describeOp, History } from './history.js';
export { DISK_FAMILIES, drawOptions, FAULT_FAMILIES, familiesOn, isPlantedBug, isProfileName, LIVENESS_ATTEMPT_TIMEOUT_MS_MIN, LIVENESS_WINDOW_AHEAD_MS_MIN, livenessEnvelope, NEMESIS_FAMILIES, NET_FAMILIES, PLANTED_BUGS, profileForBug, PROFILES, valueChecksSound, } from './options.js';
export { checkDeterminism, exitCodeOf, replayTraceFile, runSwarm, seedJson, specOfTrace, toJson, } from './runner.js';
export { LIVENESS_KINDS, SAFETY_KINDS } from './violations.js';
//# sourceMappingURL=index.js.map