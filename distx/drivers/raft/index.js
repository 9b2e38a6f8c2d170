// Public surface of the raft driver: the consensus driver of a Raft cluster (raft-driver.ts) and
// what a runner needs to configure it. Storage, peer wire and WAL recovery are internal.
export { RaftDriver } from './raft-driver.js';
export { canonicalCluster, clusterIdOf } from './meta.js';
export { RAFT_SNAPSHOT_ENTRIES_DEFAULT } from './limits.js';
//# sourceMappingURL=index.js.map