// The client library's public surface. Everything else in drivers/client/ is internal and may
// move; `testing.ts` is test support and deliberately not exported here.
export { createClientCore } from './client.js';
export { timestampBatch } from './batch.js';
export { DEFAULT_RETRY_POLICY, resolveRetryPolicy } from './retry.js';
//# sourceMappingURL=index.js.map