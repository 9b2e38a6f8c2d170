// The package's public surface (`import { createClient, startServer } from 'tsoracle'`). One file
// names what users may rely on; everything behind it may move.
export { createClient } from './client.js';
export { startServer } from './server.js';
export { startRaftServer, parseRaftPeers } from './raft.js';
export { RaftDriver } from '../drivers/raft/index.js';
export { PrometheusMetrics } from './metrics.js';
export { FileDriver } from '../drivers/file/file-driver.js';
export { NodeClock, NodeDisk, NodeTransport } from '../drivers/node/index.js';
export { ServingNode } from '../drivers/server/serving-node.js';
export { TsoError, ErrorCode, DecodeError } from '../core/errors.js';
export { packTimestamp, unpackTimestamp, compareTimestamps } from '../core/timestamp.js';
export { PHYSICAL_MS_MAX, TIMESTAMPS_PER_MS, GET_TS_COUNT_MAX, SEQ_COUNT_MAX } from '../core/limits.js';
//# sourceMappingURL=index.js.map