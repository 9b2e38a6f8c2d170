// Target: the replicated oracle command (core/oracle/state.ts decodeOracleCommand), the bytes of
// every Raft log entry the oracle state machine applies: a versioned postcard envelope, version
// 1 (AdvanceHighWater, AdvanceSeq, Noop) or 2 (also AdvanceSeqRequests, which carries getSeq and
// getSeqBatch requests). Total: only DecodeError; at most ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX
// entries in all. Not canonical (postcard accepts padded varints); the decoded command must
// re-encode and decode to itself.
import * as fc from 'fast-check';
import { u64Arbitrary } from '../../core/records/arbitraries.js';
import { decodeOracleCommand, encodeOracleCommand, type OracleCommand } from '../../core/oracle/state.js';
import { defineTarget, onlyDecodeError } from '../target.js';

const key = fc.oneof(fc.constantFrom('orders', 'é', 'a'), fc.string({ minLength: 1, maxLength: 20 }));
const single = fc.record({ key, count: fc.integer({ min: 1, max: 65_536 }), clientId: u64Arbitrary, requestId: u64Arbitrary });
const batch = fc.record({
  entries: fc.uniqueArray(fc.record({ key, count: fc.integer({ min: 1, max: 65_536 }) }), { minLength: 2, maxLength: 5, selector: (e) => e.key }),
  clientId: u64Arbitrary,
  requestId: u64Arbitrary,
});

const commandArbitrary: fc.Arbitrary<OracleCommand> = fc.oneof(
  fc.record({ kind: fc.constant('advance-high-water' as const), atLeastMs: u64Arbitrary }),
  fc.record({ kind: fc.constant('advance-seq' as const), requests: fc.array(single, { minLength: 1, maxLength: 4 }) }),
  fc.constant({ kind: 'noop' as const }),
  fc.record({ kind: fc.constant('advance-seq-requests' as const), requests: fc.array(fc.oneof(single, batch), { minLength: 1, maxLength: 4 }) }),
);

export default defineTarget<OracleCommand>({
  name: 'oracle-command',
  description: 'replicated oracle commands (Raft entry data): decodeOracleCommand, round-trip through encodeOracleCommand',
  decode: decodeOracleCommand,
  rejections: (accepted) => [{ name: 'trailing-byte', bytes: Uint8Array.from([...accepted, 0]), code: 'DECODE_TRAILING_BYTES' }],
  encode: encodeOracleCommand,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: commandArbitrary,
  seeds: () => [
    encodeOracleCommand({ kind: 'advance-high-water', atLeastMs: 1_700_000_000_000n }),
    encodeOracleCommand({ kind: 'advance-seq', requests: [{ key: 'orders', count: 3, clientId: 1n, requestId: 1n }] }),
    encodeOracleCommand({ kind: 'noop' }),
    encodeOracleCommand({
      kind: 'advance-seq-requests',
      requests: [
        { key: 'orders', count: 1, clientId: 1n, requestId: 2n },
        { entries: [{ key: 'orders', count: 3 }, { key: 'invoices', count: 1 }], clientId: 1n, requestId: 3n },
      ],
    }),
  ],
  dictionary: [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)],
  inputBytesMax: 4_096,
});
