// The client library's public surface. Everything else in drivers/client/ is internal and may
// move; `testing.ts` is test support and deliberately not exported here.

export { createClientCore, firstRequestIdAt, type ClientCoreOptions, type ClientEvent, type ClusterMembers, type KeepAlive, type SafePoint, type StampingLease, type TsoClient } from './client.js';
export { timestampBatch, type SeqBatch, type SeqBlock, type TimestampBatch } from './batch.js';
export { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from './retry.js';
export type { CachedLeader } from './leader.js';
