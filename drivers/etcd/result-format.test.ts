// The etcd driver's remembered-result records (docs/etcd.md): a getSeq's result keeps format 1
// (no version); a batch's is format 2 with no top-level grant, so the release before batches,
// which reads `start` with BigInt(), refuses it instead of misreading it as its first grant; a
// format newer than this release reads is refused by name.
import { describe, expect, it } from 'vitest';
import { decodeResult, encodeResult, ETCD_BATCH_RESULT_FORMAT } from './etcd-driver.js';

const batchResult = {
  requestId: 7n,
  key: 'orders',
  start: 10n,
  count: 3,
  batch: [
    { key: 'orders', start: 10n, count: 3 },
    { key: 'invoices', start: 1n, count: 1 },
  ],
};

describe('remembered results on etcd', () => {
  it('a getSeq result keeps format 1: {key, start, count}, no version', () => {
    const value = encodeResult({ requestId: 5n, key: 'k', start: 4n, count: 2 });
    expect(JSON.parse(value)).toEqual({ key: 'k', start: '4', count: 2 });
    expect(decodeResult(5n, JSON.parse(value) as Record<string, unknown>)).toEqual({ requestId: 5n, key: 'k', start: 4n, count: 2 });
  });

  it('a batch result is format 2 and decodes back whole', () => {
    const parsed = JSON.parse(encodeResult(batchResult)) as Record<string, unknown>;
    expect(parsed['v']).toBe(ETCD_BATCH_RESULT_FORMAT);
    expect(decodeResult(7n, parsed)).toEqual(batchResult);
  });

  it("the release before batches refuses a batch record rather than misreading it (its reader's BigInt(start) throws)", () => {
    const parsed = JSON.parse(encodeResult(batchResult)) as Record<string, unknown>;
    expect('start' in parsed || 'key' in parsed || 'count' in parsed).toBe(false);
    // The previous release's reader, as it was: { key: String(key), start: BigInt(start), count: Number(count) }.
    expect(() => BigInt(parsed['start'] as string)).toThrow(TypeError);
  });

  it('refuses a format newer than this release reads, naming it, and a malformed batch', () => {
    expect(() => decodeResult(1n, { v: 3, batch: [] })).toThrow(/format 3: this release reads formats 1 and 2/);
    expect(() => decodeResult(1n, { v: 2, batch: [{ key: 'a', start: '1', count: 1 }] })).toThrow(/two or more grants/);
    expect(() => decodeResult(1n, { v: 2 })).toThrow(/two or more grants/);
  });
});
