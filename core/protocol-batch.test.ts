// getSeqBatch on the wire (docs/protocol.md §2): the example bytes of the doc, the decoder's
// shape rules (entries as [key, count] pairs, grants as [key, start, count] triples), and the
// validation that answers INVALID_ARGUMENT with the request's id instead of failing to decode.
import { encode as libEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from './errors.js';
import { U64_MAX } from './limits.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, validateRequest, type GetSeqBatchRequest } from './protocol.js';

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

function decodeErrorOf(action: () => unknown): DecodeError {
  try {
    action();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('no decode error');
}

const example: GetSeqBatchRequest = { id: 5, op: 'getSeqBatch', entries: [{ key: 'orders', count: 3 }, { key: 'invoices', count: 1 }], clientId: 7n, requestId: 42n };

describe('getSeqBatch on the wire', () => {
  it('encodes the example request and grant of docs/protocol.md §6 byte for byte', () => {
    expect(hex(encodeRequest(example))).toBe(
      '85a2696405a26f70ab67657453657142617463' + '68a7656e74726965739292a66f7264657273039' + '2a8696e766f6963657301a8636c69656e744964cf0000000000000007a9726571756573744964cf000000000000002a',
    );
    const grant = { id: 5, ok: true as const, grants: [{ key: 'orders', start: 0n, count: 3 }, { key: 'invoices', start: 7n, count: 1 }], epoch: 2n };
    expect(hex(encodeResponse(grant))).toBe(
      '84a2696405a26f6bc3a66772616e7473' + '9293a66f7264657273cf0000000000000000039' + '3a8696e766f69636573cf000000000000000701a565706f6368cf0000000000000002',
    );
    expect(decodeRequest(encodeRequest(example))).toEqual(example);
    expect(decodeResponse(encodeResponse(grant))).toEqual(grant);
  });

  it('decodes an empty, oversized or duplicated batch and validates it as INVALID_SEQ_BATCH with the request id', () => {
    const many = Array.from({ length: 129 }, (_, i) => ({ key: `k${i}`, count: 1 }));
    for (const entries of [[], many, [{ key: 'a', count: 1 }, { key: 'a', count: 2 }]]) {
      const request = decodeRequest(encodeRequest({ ...example, entries }));
      const answer = validateRequest(request);
      expect(answer).toMatchObject({ id: 5, ok: false, code: 'INVALID_ARGUMENT' });
      expect(answer?.message).toMatch(/^INVALID_SEQ_BATCH: /);
    }
    expect(validateRequest({ ...example, entries: [{ key: 'a', count: 0 }] })?.message).toMatch(/^INVALID_SEQ_COUNT: /);
    expect(validateRequest({ ...example, entries: [{ key: '', count: 1 }] })?.message).toMatch(/^INVALID_SEQ_KEY: /);
    expect(validateRequest(example)).toBeNull();
  });

  it('refuses entries that are not [str, uint] pairs and grants that are not valid blocks', () => {
    const body = (entries: unknown) => libEncode({ id: 1, op: 'getSeqBatch', entries, clientId: 1, requestId: 1 });
    expect(decodeErrorOf(() => decodeRequest(body([['a']]))).code).toBe('FRAME_BAD_BODY');
    expect(decodeErrorOf(() => decodeRequest(body([['a', -1]]))).code).toBe('FRAME_BAD_BODY');
    expect(decodeErrorOf(() => decodeRequest(body({ a: 1 }))).code).toBe('FRAME_BAD_BODY');
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, op: 'getSeqBatch', clientId: 1, requestId: 1 }))).message).toMatch(/missing field entries/);
    const answer = (grants: unknown, extra: object = {}) => libEncode({ id: 1, ok: true, grants, epoch: 1, ...extra }, { useBigInt64: true });
    expect(decodeErrorOf(() => decodeResponse(answer([]))).message).toMatch(/outside 1..128/);
    expect(decodeErrorOf(() => decodeResponse(answer([['a', 0, 0]]))).message).toMatch(/no value/);
    expect(decodeErrorOf(() => decodeResponse(answer([['a', U64_MAX, 2]]))).message).toMatch(/past u64/);
    expect(decodeErrorOf(() => decodeResponse(answer([['a', 0, 1]], { start: 0 }))).message).toMatch(/both getSeqBatch/);
  });

  it('property: every batch request and grant round-trips', () => {
    const entry = fc.record({ key: fc.string({ maxLength: 20 }), count: fc.integer({ min: 0, max: 0xffff_ffff }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), fc.bigInt({ min: 0n, max: U64_MAX }), (entries, clientId) => {
        const request: GetSeqBatchRequest = { id: 9, op: 'getSeqBatch', entries, clientId, requestId: clientId };
        expect(decodeRequest(encodeRequest(request))).toEqual(request);
      }),
    );
  });

  it('encodes the safe-point requests and answers of docs/protocol.md §6, and refuses mixed shapes', () => {
    expect(hex(encodeRequest({ id: 6, op: 'getSafeFrontier' }))).toBe('82a2696406a26f70af6765745361666546726f6e74696572');
    const frontier = { id: 6, ok: true as const, safePoint: 'frontier' as const, safePhysicalMs: 1_700_000_000_000, epoch: 3n };
    expect(hex(encodeResponse(frontier))).toBe('84a2696406a26f6bc3aa66726f6e746965724d73cf0000018bcfe56800a565706f6368cf0000000000000003');
    const maxSafe = { id: 7, ok: true as const, safePoint: 'maxSafe' as const, safePhysicalMs: 0, epoch: 0n };
    expect(decodeResponse(encodeResponse(maxSafe))).toEqual(maxSafe);
    expect(decodeResponse(encodeResponse(frontier))).toEqual(frontier);
    expect(decodeRequest(encodeRequest({ id: 7, op: 'getCurrentMaxSafe' }))).toEqual({ id: 7, op: 'getCurrentMaxSafe' });
    const both = libEncode({ id: 1, ok: true, maxSafeMs: 1, frontierMs: 1, epoch: 1 });
    expect(decodeErrorOf(() => decodeResponse(both)).message).toMatch(/both maxSafeMs and frontierMs/);
    const mixed = libEncode({ id: 1, ok: true, maxSafeMs: 1, start: 1, count: 1, epoch: 1 });
    expect(decodeErrorOf(() => decodeResponse(mixed)).message).toMatch(/safe point and grant fields/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, frontierMs: 2 ** 46, epoch: 1 }))).code).toBe('FRAME_BAD_BODY');
  });
});
