// The sequence ledger (reference 4; exactly-once client sessions from the Raft dissertation
// §6.3): validation, the fetch-add, its limits, replays and session eviction, canonical
// snapshots; then the properties (gapless per key, one block per request under duplicated and
// reordered applies, snapshot round-trip, eviction never turns a replay into a new block).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { ErrorCode } from './errors.js';
import {
  assertValidSeqLedgerSnapshot,
  compareSeqKeys,
  isValidSeqKey,
  SeqLedger,
  seqLedgerStateProblem,
  type SeqAdvanceRequest,
  type SeqAdvanceResult,
  type SeqLedgerSnapshot,
} from './ledger.js';
import {
  SEQ_COUNT_MAX,
  SEQ_KEY_CARDINALITY_CAP_DEFAULT,
  SEQ_SESSION_CLIENTS_MAX,
  SEQ_SESSION_RESULTS_PER_CLIENT_MAX,
  U64_MAX,
} from './limits.js';

function request(key: string, count: number, clientId: bigint, requestId: bigint): SeqAdvanceRequest {
  return { key, count, clientId, requestId };
}

function block(result: SeqAdvanceResult): { key: string; start: bigint; count: number; replayed: boolean } {
  if (!result.ok) throw new Error(`expected a block, got ${result.code}`);
  return { key: result.key, start: result.start, count: result.count, replayed: result.replayed };
}

function codeOf(result: SeqAdvanceResult): string | undefined {
  return result.ok ? undefined : result.code;
}

const utf8 = new TextEncoder();

describe('SeqLedger: keys and counts', () => {
  it('accepts keys of 1 to 128 UTF-8 bytes, measured in bytes', () => {
    expect(isValidSeqKey('a')).toBe(true);
    expect(isValidSeqKey('a'.repeat(128))).toBe(true);
    expect(isValidSeqKey('é'.repeat(64))).toBe(true); // 2 bytes each
    expect(isValidSeqKey('€'.repeat(42) + 'ab')).toBe(true); // 3 bytes each: 128
    expect(isValidSeqKey('😀'.repeat(32))).toBe(true); // 4 bytes each
  });

  it('refuses an empty key, a key past 128 bytes and a key that is not well-formed UTF-8', () => {
    expect(isValidSeqKey('')).toBe(false);
    expect(isValidSeqKey('a'.repeat(129))).toBe(false);
    expect(isValidSeqKey('é'.repeat(65))).toBe(false);
    expect(isValidSeqKey('😀'.repeat(32) + 'a')).toBe(false);
    expect(isValidSeqKey('a\uD83D')).toBe(false); // lone high surrogate at the end
    expect(isValidSeqKey('\uD83Da')).toBe(false); // high surrogate not followed by a low one
    expect(isValidSeqKey('a\uDE00b')).toBe(false); // lone low surrogate
    expect(isValidSeqKey('\uDE00\uD83D')).toBe(false); // a reversed pair
    expect(isValidSeqKey(42)).toBe(false);
  });

  it('measures the same byte length as a UTF-8 encoder for every well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 140 }), (key) => {
        const bytes = utf8.encode(key).length;
        expect(isValidSeqKey(key)).toBe(bytes >= 1 && bytes <= 128);
      }),
    );
  });

  it('validate reports an invalid key first, then an invalid count, and changes nothing', () => {
    const ledger = new SeqLedger();
    expect(ledger.validate(request('', 0, 1n, 1n))).toMatchObject({ ok: false, code: ErrorCode.INVALID_SEQ_KEY });
    for (const count of [0, -1, SEQ_COUNT_MAX + 1, 1.5, Number.NaN]) {
      expect(ledger.validate(request('k', count, 1n, 1n))).toMatchObject({ ok: false, code: ErrorCode.INVALID_SEQ_COUNT });
    }
    expect(ledger.validate(request('k', SEQ_COUNT_MAX, 1n, 1n))).toBeNull();
    expect(ledger.snapshot()).toEqual(new SeqLedger().snapshot());
  });

  it('refuses an invalid request without advancing or remembering it', () => {
    const ledger = new SeqLedger();
    expect(codeOf(ledger.advance(request('a'.repeat(129), 1, 1n, 1n)))).toBe(ErrorCode.INVALID_SEQ_KEY);
    expect(codeOf(ledger.advance(request('k', 0, 1n, 1n)))).toBe(ErrorCode.INVALID_SEQ_COUNT);
    expect(ledger.applySeq).toBe(0n);
    expect(ledger.keyCount).toBe(0);
    // The same id, now valid, is a new request: the failure was not remembered.
    expect(block(ledger.advance(request('k', 3, 1n, 1n)))).toEqual({ key: 'k', start: 0n, count: 3, replayed: false });
    ledger.invariants();
  });
});

describe('SeqLedger: advance', () => {
  it('starts every key at 0 and returns the counter before the advance', () => {
    const ledger = new SeqLedger();
    expect(ledger.get('orders')).toBe(0n);
    expect(block(ledger.advance(request('orders', 10, 1n, 1n)))).toEqual({ key: 'orders', start: 0n, count: 10, replayed: false });
    expect(block(ledger.advance(request('orders', 1, 1n, 2n))).start).toBe(10n);
    expect(block(ledger.advance(request('orders', SEQ_COUNT_MAX, 1n, 3n))).start).toBe(11n);
    expect(ledger.get('orders')).toBe(11n + BigInt(SEQ_COUNT_MAX));
    ledger.invariants();
  });

  it('keeps one independent counter per key', () => {
    const ledger = new SeqLedger();
    ledger.advance(request('orders', 5, 1n, 1n));
    expect(block(ledger.advance(request('users', 2, 1n, 2n))).start).toBe(0n);
    expect(ledger.get('orders')).toBe(5n);
    expect(ledger.get('users')).toBe(2n);
    expect(ledger.keyCount).toBe(2);
  });

  it('refuses SEQ_OVERFLOW when the counter would pass the u64 maximum, and moves nothing', () => {
    const ledger = SeqLedger.fromSnapshot({ keyCap: 10, counters: [['k', U64_MAX - 5n]], applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] });
    expect(codeOf(ledger.advance(request('k', 6, 1n, 1n)))).toBe(ErrorCode.SEQ_OVERFLOW);
    expect(ledger.get('k')).toBe(U64_MAX - 5n);
    expect(ledger.applySeq).toBe(0n);
    // The counter may reach exactly U64_MAX (the last value handed out is U64_MAX − 1).
    expect(block(ledger.advance(request('k', 5, 1n, 1n)))).toEqual({ key: 'k', start: U64_MAX - 5n, count: 5, replayed: false });
    expect(ledger.get('k')).toBe(U64_MAX);
    expect(codeOf(ledger.advance(request('k', 1, 1n, 2n)))).toBe(ErrorCode.SEQ_OVERFLOW);
    ledger.invariants();
  });

  it('refuses a new key past the key cap while existing keys still advance', () => {
    const ledger = new SeqLedger({ keyCap: 2 });
    ledger.advance(request('a', 1, 1n, 1n));
    ledger.advance(request('b', 1, 1n, 2n));
    expect(codeOf(ledger.advance(request('c', 1, 1n, 3n)))).toBe(ErrorCode.SEQ_KEY_CARDINALITY_EXCEEDED);
    expect(ledger.keyCount).toBe(2);
    expect(ledger.get('c')).toBe(0n);
    expect(block(ledger.advance(request('a', 4, 1n, 3n)))).toEqual({ key: 'a', start: 1n, count: 4, replayed: false });
    ledger.invariants();
  });

  it('defaults the key cap to SEQ_KEY_CARDINALITY_CAP_DEFAULT, and a cap of 0 admits no key', () => {
    expect(new SeqLedger().keyCap).toBe(SEQ_KEY_CARDINALITY_CAP_DEFAULT);
    expect(codeOf(new SeqLedger({ keyCap: 0 }).advance(request('a', 1, 1n, 1n)))).toBe(ErrorCode.SEQ_KEY_CARDINALITY_EXCEEDED);
    expect(() => new SeqLedger({ keyCap: -1 })).toThrow(AssertionError);
    expect(() => new SeqLedger({ keyCap: 2 ** 32 })).toThrow(AssertionError);
  });

  it('asserts that client and request ids are u64 (a decoder bug otherwise)', () => {
    const ledger = new SeqLedger();
    expect(() => ledger.advance(request('k', 1, -1n, 1n))).toThrow(AssertionError);
    expect(() => ledger.advance(request('k', 1, 1n, U64_MAX + 1n))).toThrow(AssertionError);
  });
});

describe('SeqLedger: exactly-once sessions', () => {
  it('replays a remembered request: same block, replayed, no counter moves', () => {
    const ledger = new SeqLedger();
    const first = block(ledger.advance(request('k', 4, 7n, 1n)));
    ledger.advance(request('k', 2, 8n, 1n));
    expect(block(ledger.advance(request('k', 4, 7n, 1n)))).toEqual({ ...first, replayed: true });
    expect(ledger.get('k')).toBe(6n);
    ledger.invariants();
  });

  it('refuses a remembered request id that arrives with another key or count (SEQ_REQUEST_REUSED), and changes nothing', () => {
    const ledger = new SeqLedger();
    ledger.advance(request('k', 4, 7n, 1n));
    const before = ledger.snapshot();
    expect(codeOf(ledger.advance(request('other', 4, 7n, 1n)))).toBe(ErrorCode.SEQ_REQUEST_REUSED);
    expect(codeOf(ledger.advance(request('k', 9, 7n, 1n)))).toBe(ErrorCode.SEQ_REQUEST_REUSED);
    expect(ledger.snapshot()).toEqual(before);
    expect(ledger.get('other')).toBe(0n);
    // The genuine retry still gets its block.
    expect(block(ledger.advance(request('k', 4, 7n, 1n)))).toEqual({ key: 'k', start: 0n, count: 4, replayed: true });
    ledger.invariants();
  });

  it('a client restarted with a fixed clientId that counts request ids from 1 again is refused, never handed another request\'s block', () => {
    const ledger = new SeqLedger();
    ledger.advance(request('orders', 10, 42n, 1n));
    ledger.advance(request('invoices', 3, 42n, 2n));
    // The restarted process asks for `invoices` with id 1, which named an `orders` request.
    expect(codeOf(ledger.advance(request('invoices', 3, 42n, 1n)))).toBe(ErrorCode.SEQ_REQUEST_REUSED);
    expect(ledger.get('invoices')).toBe(3n);
  });

  it('the same request id from another client is another request', () => {
    const ledger = new SeqLedger();
    ledger.advance(request('k', 4, 1n, 1n));
    expect(block(ledger.advance(request('k', 4, 2n, 1n)))).toEqual({ key: 'k', start: 4n, count: 4, replayed: false });
  });

  it('counts every successful apply in applySeq, replays included, and no failure', () => {
    const ledger = new SeqLedger({ keyCap: 1 });
    ledger.advance(request('k', 1, 1n, 1n));
    ledger.advance(request('k', 1, 1n, 1n)); // replay
    ledger.advance(request('other', 1, 1n, 2n)); // key cap
    ledger.advance(request('k', 0, 1n, 3n)); // invalid
    expect(ledger.applySeq).toBe(2n);
    expect(ledger.snapshot().sessions).toEqual([
      { clientId: 1n, lastActiveSeq: 2n, forgottenBelow: 0n, results: [{ requestId: 1n, key: 'k', start: 0n, count: 1 }] },
    ]);
  });

  it('accepts a first-seen request id above 1 and later lower ids that arrive out of order', () => {
    const ledger = new SeqLedger();
    expect(block(ledger.advance(request('k', 1, 1n, 1_000n))).start).toBe(0n);
    expect(block(ledger.advance(request('k', 1, 1n, 5n))).start).toBe(1n);
    expect(block(ledger.advance(request('k', 1, 1n, 3n))).start).toBe(2n);
    expect(block(ledger.advance(request('k', 1, 1n, 5n)))).toEqual({ key: 'k', start: 1n, count: 1, replayed: true });
    expect(ledger.snapshot().sessions[0]?.results.map((r) => r.requestId)).toEqual([3n, 5n, 1_000n]);
    ledger.invariants();
  });

  it('forgets the lowest request id past the per-client limit and refuses it as expired', () => {
    const ledger = new SeqLedger();
    for (let id = 1n; id <= BigInt(SEQ_SESSION_RESULTS_PER_CLIENT_MAX) + 1n; id += 1n) ledger.advance(request('k', 1, 9n, id));
    const session = ledger.snapshot().sessions[0];
    expect(session?.results.length).toBe(SEQ_SESSION_RESULTS_PER_CLIENT_MAX);
    expect(session?.forgottenBelow).toBe(2n);
    const counter = ledger.get('k');
    expect(codeOf(ledger.advance(request('k', 1, 9n, 1n)))).toBe(ErrorCode.SEQ_SESSION_EXPIRED);
    expect(codeOf(ledger.advance(request('k', 1, 9n, 0n)))).toBe(ErrorCode.SEQ_SESSION_EXPIRED); // never applied, still refused
    expect(ledger.get('k')).toBe(counter);
    expect(block(ledger.advance(request('k', 1, 9n, 2n)))).toEqual({ key: 'k', start: 1n, count: 1, replayed: true });
    ledger.invariants();
  });

  it('a late request below every remembered id on a full session is granted and forgotten at once', () => {
    const ledger = new SeqLedger();
    for (let i = 0; i < SEQ_SESSION_RESULTS_PER_CLIENT_MAX; i += 1) ledger.advance(request('k', 1, 9n, 100n + BigInt(i)));
    expect(block(ledger.advance(request('k', 1, 9n, 50n))).replayed).toBe(false);
    expect(ledger.snapshot().sessions[0]?.forgottenBelow).toBe(51n);
    // Its retry cannot be answered any more, but it never gets a second block.
    expect(codeOf(ledger.advance(request('k', 1, 9n, 50n)))).toBe(ErrorCode.SEQ_SESSION_EXPIRED);
    ledger.invariants();
  });

  it('evicts the least recently active client when the session table is full', () => {
    const ledger = new SeqLedger();
    for (let c = 0n; c < BigInt(SEQ_SESSION_CLIENTS_MAX); c += 1n) ledger.advance(request('k', 1, c, 1n));
    ledger.advance(request('k', 1, 0n, 1n)); // client 0 retries: it is now the most recently active
    ledger.advance(request('k', 1, 1_000n, 1n)); // a new client: client 1 is the least recently active
    expect(ledger.sessionCount).toBe(SEQ_SESSION_CLIENTS_MAX);
    expect(ledger.hasSession(0n)).toBe(true);
    expect(ledger.hasSession(1n)).toBe(false);
    expect(ledger.hasSession(1_000n)).toBe(true);
    ledger.invariants();
  });

  it('a client evicted as a whole is refused for every request it applied before (SEQ_SESSION_EXPIRED with requestIdsFrom), never given a new block', () => {
    const ledger = new SeqLedger();
    block(ledger.advance(request('k', 1, 0n, 100n)));
    block(ledger.advance(request('k', 1, 0n, 101n)));
    for (let c = 1n; c <= BigInt(SEQ_SESSION_CLIENTS_MAX); c += 1n) ledger.advance(request('k', 1, c, 1n));
    expect(ledger.hasSession(0n)).toBe(false);
    expect(ledger.requestsExpiredBelow).toBe(102n);
    const counter = ledger.get('k');
    for (const old of [100n, 101n, 50n]) {
      expect(ledger.advance(request('k', 1, 0n, old))).toMatchObject({ ok: false, code: ErrorCode.SEQ_SESSION_EXPIRED, requestIdsFrom: 102n });
    }
    expect(ledger.get('k')).toBe(counter);
    expect(ledger.hasSession(0n)).toBe(false);
    // A new request at the watermark opens a new session whose forgottenBelow is the watermark,
    // so the old ids stay refused.
    expect(block(ledger.advance(request('k', 1, 0n, 102n))).replayed).toBe(false);
    expect(ledger.snapshot().sessions.find((s) => s.clientId === 0n)?.forgottenBelow).toBe(102n);
    expect(codeOf(ledger.advance(request('k', 1, 0n, 101n)))).toBe(ErrorCode.SEQ_SESSION_EXPIRED);
    ledger.invariants();
  });

  it('the watermark only rises; a new client whose ids start at or above it opens a session, one below is refused', () => {
    const ledger = new SeqLedger();
    for (let c = 1n; c <= BigInt(SEQ_SESSION_CLIENTS_MAX); c += 1n) ledger.advance(request('k', 1, c, 1_000n + c));
    ledger.advance(request('k', 1, 5_000n, 9_000n)); // evicts client 1 (its highest id 1001)
    expect(ledger.requestsExpiredBelow).toBe(1_002n);
    expect(codeOf(ledger.advance(request('k', 1, 6_000n, 1n)))).toBe(ErrorCode.SEQ_SESSION_EXPIRED);
    expect(ledger.hasSession(6_000n)).toBe(false);
    ledger.advance(request('k', 1, 6_000n, 1_002n)); // at the watermark: a new session (evicts client 2)
    expect(ledger.hasSession(6_000n)).toBe(true);
    expect(ledger.requestsExpiredBelow).toBe(1_003n);
    // A session that was never evicted keeps working below the watermark.
    expect(block(ledger.advance(request('k', 1, 30n, 3n))).replayed).toBe(false);
    ledger.invariants();
  });

  it('an expired request id of a live session carries requestIdsFrom (its forgottenBelow)', () => {
    const ledger = new SeqLedger();
    for (let id = 1n; id <= BigInt(SEQ_SESSION_RESULTS_PER_CLIENT_MAX) + 1n; id += 1n) ledger.advance(request('k', 1, 9n, id));
    expect(ledger.advance(request('k', 1, 9n, 1n))).toMatchObject({ ok: false, code: ErrorCode.SEQ_SESSION_EXPIRED, requestIdsFrom: 2n });
  });
});

describe('SeqLedger: snapshots', () => {
  it('orders keys by UTF-8 bytes, not UTF-16 code units', () => {
    const ledger = new SeqLedger();
    // UTF-16 puts U+1F600 (a surrogate pair) before U+FFFF; UTF-8 puts it after.
    for (const [i, key] of ['😀', '\uFFFF', 'b', 'a', 'é', 'ab'].entries()) ledger.advance(request(key, 1, 1n, BigInt(i)));
    expect(ledger.snapshot().counters.map(([key]) => key)).toEqual(['a', 'ab', 'b', 'é', '\uFFFF', '😀']);
    ledger.invariants();
  });

  it('compareSeqKeys agrees with a byte-wise compare of the UTF-8 encodings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }), (a, b) => {
        expect(Math.sign(compareSeqKeys(a, b))).toBe(Math.sign(Buffer.compare(utf8.encode(a), utf8.encode(b))));
      }),
      { numRuns: 2_000 },
    );
  });

  it('fromSnapshot asserts on a snapshot that is not canonical or not consistent', () => {
    const good: SeqLedgerSnapshot = {
      keyCap: 5,
      counters: [
        ['a', 3n],
        ['b', 1n],
      ],
      applySeq: 2n,
      requestsExpiredBelow: 0n,
      sessions: [{ clientId: 1n, lastActiveSeq: 2n, forgottenBelow: 0n, results: [{ requestId: 4n, key: 'a', start: 1n, count: 2 }] }],
    };
    assertValidSeqLedgerSnapshot(good);
    expect(seqLedgerStateProblem(good)).toBeUndefined();
    expect(SeqLedger.fromSnapshot(good).snapshot()).toEqual(good);
    const session = good.sessions[0]!;
    const broken: Array<readonly [SeqLedgerSnapshot, string]> = [
      [{ ...good, counters: [...good.counters].reverse() }, 'keys_not_strictly_ascending_utf8'],
      [{ ...good, keyCap: 1 }, 'key_count_above_cap'],
      [{ ...good, counters: [['', 1n]], sessions: [] }, 'key_invalid'],
      [{ ...good, applySeq: 1n }, 'session_last_active_after_apply_seq'],
      [{ ...good, sessions: [{ ...session, forgottenBelow: 5n }] }, 'session_result_below_forgotten'],
      [{ ...good, sessions: [{ ...session, results: [{ requestId: 4n, key: 'a', start: 2n, count: 2 }] }] }, 'session_result_past_counter'],
      [{ ...good, sessions: [{ ...session, results: [{ requestId: 4n, key: 'b', start: 0n, count: 2 }] }] }, 'session_result_past_counter'],
      [{ ...good, sessions: [session, session] }, 'sessions_not_strictly_ascending'],
    ];
    for (const [snapshot, problem] of broken) {
      expect(seqLedgerStateProblem(snapshot)).toBe(problem);
      expect(() => SeqLedger.fromSnapshot(snapshot)).toThrow(AssertionError);
    }
  });

  it('a clone is independent of its original', () => {
    const ledger = new SeqLedger();
    ledger.advance(request('k', 1, 1n, 1n));
    const copy = ledger.clone();
    copy.advance(request('k', 1, 1n, 2n));
    expect(ledger.get('k')).toBe(1n);
    expect(copy.get('k')).toBe(2n);
    expect(ledger.snapshot().sessions[0]?.results.length).toBe(1);
  });

  it('a snapshot taken earlier does not change when the ledger advances', () => {
    const ledger = new SeqLedger();
    ledger.advance(request('k', 1, 1n, 1n));
    const before = ledger.snapshot();
    const copy = structuredClone(before);
    ledger.advance(request('k', 1, 1n, 2n));
    ledger.advance(request('j', 1, 2n, 1n));
    expect(before).toEqual(copy);
  });

  it('invariants() detects a counter below a remembered block', () => {
    const ledger = new SeqLedger();
    ledger.advance(request('k', 3, 1n, 1n));
    (ledger as unknown as { counters: Map<string, bigint> }).counters.set('k', 2n);
    expect(() => ledger.invariants()).toThrow(AssertionError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties.

const keyArb = fc.constantFrom('a', 'b', 'é', '😀', 'k'.repeat(128));
const countArb = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 50 }) }, { weight: 1, arbitrary: fc.constantFrom(0, SEQ_COUNT_MAX, SEQ_COUNT_MAX + 1) });
const requestArb = fc.record({
  key: fc.oneof({ weight: 9, arbitrary: keyArb }, { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(129), '\uD800') }),
  count: countArb,
  clientId: fc.bigInt({ min: 0n, max: 5n }),
  requestId: fc.bigInt({ min: 0n, max: 30n }),
});

/** A small seeded PRNG (mulberry32): `random(n)` is an integer in [0, n). */
function seededRandom(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
}

/** Applies `requests`, checking that each key's fresh blocks tile [0, counter) and replays repeat them. */
function applyAndCheckGapless(ledger: SeqLedger, requests: readonly SeqAdvanceRequest[]): void {
  const fresh = new Map<string, Array<{ start: bigint; count: number }>>();
  const byRequest = new Map<string, { key: string; start: bigint; count: number }>();
  for (const r of requests) {
    const result = ledger.advance(r);
    if (!result.ok) continue;
    const id = `${r.clientId}/${r.requestId}`;
    const seen = byRequest.get(id);
    if (result.replayed) {
      expect(seen).toEqual({ key: result.key, start: result.start, count: result.count });
    } else {
      expect(seen).toBeUndefined();
      byRequest.set(id, { key: result.key, start: result.start, count: result.count });
      const blocks = fresh.get(result.key) ?? [];
      blocks.push({ start: result.start, count: result.count });
      fresh.set(result.key, blocks);
    }
  }
  ledger.invariants();
  for (const [key, blocks] of fresh) {
    blocks.sort((x, y) => (x.start < y.start ? -1 : 1));
    let next = 0n;
    for (const b of blocks) {
      expect(b.start).toBe(next); // no hole, no overlap
      next += BigInt(b.count);
    }
    expect(ledger.get(key)).toBe(next);
  }
}

describe('SeqLedger: properties', () => {
  it('per key the granted blocks are disjoint and contiguous from 0', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 150 }), (requests) => {
        applyAndCheckGapless(new SeqLedger({ keyCap: 4 }), requests);
      }),
      { numRuns: 200 },
    );
  });

  it('under duplicated and reordered applies each request gets one block and replays return it', () => {
    const distinct = fc.uniqueArray(
      fc.record({ key: keyArb, count: fc.integer({ min: 1, max: 100 }), clientId: fc.bigInt({ min: 0n, max: 3n }), requestId: fc.bigInt({ min: 0n, max: 200n }) }),
      { selector: (r) => `${r.clientId}/${r.requestId}`, minLength: 1, maxLength: 60 },
    );
    const scenario = distinct.chain((requests) =>
      fc.tuple(fc.constant(requests), fc.shuffledSubarray(requests), fc.array(fc.nat({ max: requests.length - 1 }), { maxLength: 60 }), fc.nat()),
    );
    fc.assert(
      fc.property(scenario, ([requests, reordered, duplicateIndexes, seed]) => {
        // Every request at least once (in a shuffled order), some several times, interleaved.
        const rest = requests.filter((r) => !reordered.includes(r));
        const applies = [...reordered, ...rest, ...duplicateIndexes.map((i) => requests[i]!)];
        const random = seededRandom(seed);
        for (let i = applies.length - 1; i > 0; i -= 1) {
          const j = random(i + 1);
          [applies[i], applies[j]] = [applies[j]!, applies[i]!];
        }
        const ledger = new SeqLedger();
        applyAndCheckGapless(ledger, applies);
        // Each distinct request got a block; a late retry of any of them returns it again.
        const total = requests.reduce((sum, r) => sum + r.count, 0);
        const keysTotal = ['a', 'b', 'é', '😀', 'k'.repeat(128)].reduce((sum, k) => sum + ledger.get(k), 0n);
        expect(keysTotal).toBe(BigInt(total));
        for (const r of requests) expect(block(ledger.advance(r)).replayed).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('snapshot then fromSnapshot gives an identical ledger that behaves the same', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 80 }), fc.array(requestArb, { maxLength: 40 }), (before, after) => {
        const original = new SeqLedger({ keyCap: 4 });
        for (const r of before) original.advance(r);
        const snapshot = original.snapshot();
        const restored = SeqLedger.fromSnapshot(snapshot);
        restored.invariants();
        expect(restored.snapshot()).toEqual(snapshot);
        for (const r of after) expect(restored.advance(r)).toEqual(original.advance(r));
        expect(restored.snapshot()).toEqual(original.snapshot());
      }),
      { numRuns: 200 },
    );
  });

  it('eviction never turns a retry into a new block: a retry gets its block or is refused, whatever was evicted', () => {
    // Many clients (past SEQ_SESSION_CLIENTS_MAX) and long runs of requests per client (past
    // SEQ_SESSION_RESULTS_PER_CLIENT_MAX), with retries of old requests mixed in. Request ids
    // grow with a shared clock, as the library's do; a client refused for a new request jumps
    // its ids to requestIdsFrom, as the library does.
    const clientsMax = BigInt(SEQ_SESSION_CLIENTS_MAX);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.constantFrom(clientsMax - 8n, clientsMax + 40n), (seed, clientCount) => {
        const random = seededRandom(seed);
        const ledger = new SeqLedger();
        const given = new Map<string, bigint>(); // clientId/requestId → the block start
        const issuedUpTo = new Map<bigint, bigint>(); // clientId → highest request id it used
        let clock = 0n;
        let expired = 0;
        let replays = 0;
        for (let step = 0; step < 4_000; step += 1) {
          clock += 1n;
          // A hot client (0) issues most requests, so it outgrows its per-client limit.
          const clientId = random(2) === 0 ? 0n : BigInt(random(Number(clientCount)));
          const issued = issuedUpTo.get(clientId);
          const retry = issued !== undefined && random(4) === 0;
          let requestId: bigint;
          if (retry) {
            const back = BigInt(random(1_200));
            requestId = issued > back ? issued - back : issued;
          } else {
            requestId = issued === undefined ? clock * 16n : issued + 1n;
            issuedUpTo.set(clientId, requestId);
          }
          const result = ledger.advance(request('k', 1, clientId, requestId));
          const id = `${clientId}/${requestId}`;
          const earlier = given.get(id);
          if (!result.ok) {
            expect(result.code).toBe(ErrorCode.SEQ_SESSION_EXPIRED);
            expired += 1;
            // Nothing of a new request executed: jump to the ids the server accepts.
            if (!retry && result.requestIdsFrom !== undefined) issuedUpTo.set(clientId, result.requestIdsFrom - 1n);
          } else if (earlier !== undefined) {
            expect(result.replayed).toBe(true);
            expect(result.start).toBe(earlier);
            replays += 1;
          } else {
            expect(result.replayed).toBe(false);
            given.set(id, result.start);
          }
          if (step % 500 === 0) ledger.invariants();
        }
        if (clientCount > clientsMax) expect(ledger.requestsExpiredBelow).toBeGreaterThan(0n);
        else expect(ledger.requestsExpiredBelow).toBe(0n);
        ledger.invariants();
        expect(expired).toBeGreaterThan(0);
        expect(replays).toBeGreaterThan(0);
      }),
      { numRuns: 6 },
    );
  });
});
