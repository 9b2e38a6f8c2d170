export { createClientCore, type ClientCoreOptions, type ClientEvent, type TsoClient } from './client.js';
export { timestampBatch, type SeqBlock, type TimestampBatch } from './batch.js';
export { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from './retry.js';
export type { CachedLeader } from './leader.js';
