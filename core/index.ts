// The public surface of `core/` (the package's `./core` export): pure, synchronous logic that the
// drivers, the runners and the simulator build on. Internals may move freely behind this file;
// what it names is the contract.

export * from './assert.js';
export * from './errors.js';
export * from './limits.js';
export * from './timestamp.js';
export * from './allocator.js';
export * from './ledger.js';
export * from './sometimes.js';
export { PRODUCT_RARE_PATHS } from './rare-paths.js';
export * from './codec/index.js';
export * from './records/index.js';
export { decodeRequest, decodeResponse, encodeRequest, encodeResponse, validateRequest, type Request, type Response, type WireErrorCode } from './protocol.js';
export * as raft from './raft/index.js';
export * as oracle from './oracle/index.js';
export * as paxos from './paxos/index.js';
