// The package's public surface (`import { createClient, startServer } from 'tsoracle'`). One file
// names what users may rely on; everything behind it may move.

export { createClient, type ClientOptions } from './client.js';
export { startServer, type ServerOptions, type TsoServer } from './server.js';
export { startRaftServer, parseRaftPeers, type RaftServer, type RaftServerOptions } from './raft.js';
export { RaftDriver } from '../drivers/raft/index.js';
export { PrometheusMetrics } from './metrics.js';
export { FileDriver, type FileDriverOptions } from '../drivers/file/file-driver.js';
export type { ConsensusDriver, DriverResult, DriverFailure, DriverErrorCode, LeaderState, SeqBlockResult } from '../drivers/driver.js';
export type { TsoClient, TimestampBatch, SeqBlock, RetryPolicy } from '../drivers/client/index.js';
export type { Clock, Disk, Transport, Connection, HostPort } from '../drivers/ports.js';
export { NodeClock, NodeDisk, NodeTransport } from '../drivers/node/index.js';
export { ServingNode, type ServingNodeOptions } from '../drivers/server/serving-node.js';
export { TsoError, ErrorCode, DecodeError } from '../core/errors.js';
export { packTimestamp, unpackTimestamp, compareTimestamps } from '../core/timestamp.js';
export { PHYSICAL_MS_MAX, TIMESTAMPS_PER_MS, GET_TS_COUNT_MAX, SEQ_COUNT_MAX } from '../core/limits.js';
export { sometimes, declareSometimes, type SometimesDeclaration } from '../core/sometimes.js';
