// The simulator's proof of the oracle: swarm options, the harnesses that run a consensus driver
// module (the real file or raft driver, or a user's: drivers.ts) under the real serving node,
// protocol server and client in the world, the history and its checkers, the runner (swarm,
// determinism check, replay) and the benchmark.

export { benchOracle, type OracleBench } from './bench.js';
export { Checker, type CheckerOptions, VIOLATIONS_KEPT_MAX } from './checkers.js';
export {
  CONVERGED_WORKLOAD_MS_MIN,
  DATA_DIR,
  RUN_EVENTS_MAX,
  runSeed,
  type RunResult,
  type RunSeedOptions,
  type RunStats,
  SERVER_NODE,
  SERVER_PORT,
  SERVER_RECOVERY_MS,
  SERVER_START_TIMEOUT_MS,
  type SeedReport,
} from './cluster.js';
export {
  type Capsule,
  CAPSULE_FORMAT,
  CAPSULE_VERSION,
  CapsuleError,
  type CapsuleExpect,
  type CapsuleSize,
  capsuleOf,
  capsuleText,
  parseCapsule,
  runCapsule,
  showsExpected,
} from './capsule.js';
export { type PlannedCaller, type PlannedOp, type PlannedStrike, type RunPlan } from './capsule-plan.js';
export { capsuleOfSeed, SHRINK_RUNS_MAX, shrinkCapsule, ShrinkError, type ShrinkOptions, type ShrinkResult } from './shrink.js';
export { ClaimsView } from './claims.js';
export {
  builtinSimDriver,
  defaultSimDriver,
  defineSimDriver,
  registerSimDriver,
  type SimDriverContext,
  type SimDriverExtras,
  type SimDriverModule,
  type SimPeer,
  type SimRunAccess,
  simDriverModuleProblem,
} from './drivers.js';
export { type Decoded, type DurableLedger, DurableView } from './durable.js';
export { FILE_SIM_DRIVER } from './file-module.js';
export { openRaftDriver, RAFT_SIM_DRIVER } from './raft-module.js';
export { type ClientSession, describeOp, History, type Op, type OpKind, type OpOutcome, type Phase } from './history.js';
export {
  DISK_FAMILIES,
  drawOptions,
  type DriverRef,
  FAULT_FAMILIES,
  type FaultFamily,
  familiesOn,
  isPlantedBug,
  isProfileName,
  LIVENESS_ATTEMPT_TIMEOUT_MS_MIN,
  LIVENESS_WINDOW_AHEAD_MS_MIN,
  livenessEnvelope,
  NEMESIS_FAMILIES,
  NET_FAMILIES,
  PLANTED_BUGS,
  type PlantedBug,
  profileForBug,
  PROFILES,
  type ProfileName,
  type RunSpec,
  type SimOptions,
  valueChecksSound,
} from './options.js';
export {
  checkDeterminism,
  type DeterminismCheck,
  type DriverResolver,
  exitCodeOf,
  type Replay,
  replayTraceFile,
  runSwarm,
  type SeedJson,
  seedJson,
  specOfTrace,
  type SwarmOptions,
  type SwarmSummary,
  toJson,
} from './runner.js';
export { LIVENESS_KINDS, SAFETY_KINDS, type Violation, type ViolationKind } from './violations.js';
