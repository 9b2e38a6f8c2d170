export { RaftDriver, type RaftDriverEvent, type RaftDriverOptions, type RaftPeer, type RaftTuning } from './raft-driver.js';
export { canonicalCluster, clusterIdOf } from './meta.js';
export { RAFT_SNAPSHOT_ENTRIES_DEFAULT } from './limits.js';
