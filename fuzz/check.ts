// The properties, checked on one input. Every property violation is a finding with a stable
// signature (so a thousand inputs hitting the same bug are one finding):
//   unexpected-error      decode threw something other than the typed decode error;
//   encode-failed         decode accepted a value its own encoder refuses;
//   round-trip            re-encoding and decoding again gives a different value;
//   not-canonical         the re-encoding differs from the input (canonical targets), or
//                         normalising twice is not stable (the others);
//   valid-value-rejected  a valid value from the target's arbitrary did not decode back;
//   promise-broken        a near-miss of an accepted input (the target's `rejections`: a flipped
//                         CRC, one past a limit, a non-canonical form) was accepted, or refused
//                         with another code than the one promised; or another form of the same
//                         thing (a wider int, an unknown field of another shape) decoded
//                         differently from its reference (`sameAs`);
//   bad-offset            a decode error reported an offset that is not in [0, input length]
//                         (a reader that ran past the end of its input);
//   bare-error            a decode error whose message says nothing beyond its code (what was
//                         wrong, and where, is what an operator reads in a log);
//   allocation            one decode allocated more than the target's budget for that input
//                         length (a buffer sized by a length field before the bytes were known);
//   slow                  one input took longer than the per-input budget, three times running;
//   hang                  (engine/worker level) an input never finished.
//
// How allocations are measured: `v8.getHeapStatistics()` before and after the decode, taking
// the growth of `external_memory` (ArrayBuffer backing stores: every typed array and Buffer,
// counted synchronously at allocation, to the byte) and of `used_heap_size` (JS arrays, objects,
// strings; `new Array(n)` preallocates n slots). A garbage collection during the decode can
// only hide growth, never invent it; when the heap shrank during the decode, or on any excess,
// the input runs again from a clean heap and the excess must show on two measured runs in a
// row (the JS heap has sporadic noise of its own: new pages, optimised code).
// The call costs under a microsecond, so it runs on every input. A decoder that tries an absurd allocation and gets a RangeError ("Array
// buffer allocation failed", "Invalid typed array length") is caught by the first property.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';
import { bytesEqual, deepEqual, toHex } from './deep-equal.js';
import type { AnyFuzzTarget, NearMiss } from './target.js';
import { DEFAULT_ALLOCATION_BUDGET } from './target.js';

export type FindingKind =
  | 'unexpected-error'
  | 'encode-failed'
  | 'round-trip'
  | 'not-canonical'
  | 'valid-value-rejected'
  | 'promise-broken'
  | 'bad-offset'
  | 'bare-error'
  | 'allocation'
  | 'slow'
  | 'hang';

export type CheckOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'rejected'; readonly code: string; readonly offset: number | null }
  | { readonly kind: 'finding'; readonly finding: FindingKind; readonly signature: string; readonly detail: string };

export interface CheckOptions {
  /** Wall time one input may take (decode plus round-trip checks). */
  readonly inputBudgetMs: number;
  /**
   * Whether to measure allocations. On by default; off to measure its own cost, and under
   * mutation testing (TSORACLE_FUZZ_ALLOCATION=off, set by fuzz/mutation/vitest.fuzz.config.ts),
   * where Stryker's coverage counters allocate inside the decoders and a budget means nothing.
   */
  readonly measureAllocation?: boolean;
}

/** Whether the environment leaves allocation measuring on (read once: checkInput runs per input). */
const ALLOCATION_MEASURED_BY_DEFAULT = process.env['TSORACLE_FUZZ_ALLOCATION'] !== 'off';

/** Allocation measuring unless the caller or the environment turns it off. */
function measuresAllocation(options: CheckOptions): boolean {
  return options.measureAllocation ?? ALLOCATION_MEASURED_BY_DEFAULT;
}

/** Wall time one input may take by default: generous for a shared 2-core machine. */
export const INPUT_BUDGET_MS_DEFAULT = 50;
/** Runs of a slow input before it is a finding (all of them must exceed the budget). */
const SLOW_CONFIRMATIONS = 3;

/** Checks every property on `bytes`. Never throws (a throwing check is itself a finding). */
export function checkInput(target: AnyFuzzTarget, bytes: Uint8Array, options: CheckOptions): CheckOutcome {
  const first = runOnce(target, bytes, measuresAllocation(options));
  if (first.outcome.kind === 'finding') return first.outcome;
  if (first.elapsedMs > options.inputBudgetMs) {
    // Garbage collection, JIT or a busy machine can stall one run; a slow decoder is slow every time.
    let fastestMs = first.elapsedMs;
    for (let i = 1; i < SLOW_CONFIRMATIONS && fastestMs > options.inputBudgetMs; i += 1) {
      fastestMs = Math.min(fastestMs, runOnce(target, bytes, false).elapsedMs);
    }
    if (fastestMs > options.inputBudgetMs) {
      return finding(
        'slow',
        `slow:${target.name}:${describeOutcome(first.outcome)}`,
        `input took ${fastestMs.toFixed(1)} ms at best over ${SLOW_CONFIRMATIONS} runs (budget ${options.inputBudgetMs} ms)`,
        bytes,
      );
    }
  }
  return first.outcome;
}

/** Checks that a valid value encodes, decodes back to itself and (canonical) re-encodes the same. */
export function checkValidValue(
  target: AnyFuzzTarget,
  value: unknown,
  onEncoded?: (bytes: Uint8Array) => void,
): { outcome: CheckOutcome; bytes: Uint8Array | null } {
  if (target.encode === undefined) return { outcome: { kind: 'accepted' }, bytes: null };
  let bytes: Uint8Array;
  try {
    bytes = target.encode(value);
  } catch (error) {
    return {
      outcome: finding('encode-failed', `encode-failed:${target.name}:valid:${errorSignature(error)}`, `encoder refused a valid value: ${errorText(error)}`, null),
      bytes: null,
    };
  }
  onEncoded?.(bytes);
  let decoded: unknown;
  try {
    decoded = target.decode(bytes);
  } catch (error) {
    return {
      outcome: finding(
        'valid-value-rejected',
        `valid-value-rejected:${target.name}:${errorSignature(error)}`,
        `the encoding of a valid value did not decode: ${errorText(error)}`,
        bytes,
      ),
      bytes,
    };
  }
  if (!valuesEqual(target, value, decoded)) {
    return { outcome: finding('round-trip', `round-trip:${target.name}:valid`, 'a valid value decoded to a different value', bytes), bytes };
  }
  return { outcome: checkInput(target, bytes, { inputBudgetMs: Number.POSITIVE_INFINITY }), bytes };
}

interface RunResult {
  readonly outcome: CheckOutcome;
  readonly elapsedMs: number;
}

function runOnce(target: AnyFuzzTarget, bytes: Uint8Array, measureAllocation: boolean): RunResult {
  const before = measureAllocation ? getHeapStatistics() : null;
  const startMs = performance.now();
  let value: unknown;
  let thrown: { error: unknown } | null = null;
  try {
    value = target.decode(bytes);
  } catch (error) {
    thrown = { error };
  }
  const decodedMs = performance.now();
  const after = measureAllocation ? getHeapStatistics() : null;

  if (thrown !== null && !isExpected(target, thrown.error)) {
    return {
      outcome: finding(
        'unexpected-error',
        `unexpected-error:${target.name}:${errorSignature(thrown.error)}`,
        `decode threw an unexpected error: ${errorText(thrown.error)}`,
        bytes,
      ),
      elapsedMs: decodedMs - startMs,
    };
  }
  if (before !== null && after !== null) {
    // A garbage collection during the decode shows as shrinking heap and can hide an allocation
    // as large as what it freed: measure again from a clean heap. An excess is confirmed the
    // same way, because the JS heap has noise of its own (fresh allocation pages after a
    // collection, optimised code installed mid-run: spikes of ~200 KiB now and then): after a
    // full collection and one unmeasured warm-up run, both of two measured runs must exceed.
    const collected = after.used_heap_size < before.used_heap_size || (after.external_memory ?? 0) < (before.external_memory ?? 0);
    const excess = allocationExcess(target, bytes, before, after);
    if (excess !== null || collected) {
      collectGarbage();
      measureDecodeAllocation(target, bytes);
      const first = measureDecodeAllocation(target, bytes);
      const second = measureDecodeAllocation(target, bytes);
      const confirmed = allocationExcess(target, bytes, first.before, first.after) !== null ? allocationExcess(target, bytes, second.before, second.after) : null;
      if (confirmed !== null) {
        return { outcome: finding('allocation', `allocation:${target.name}:${confirmed.kind}`, confirmed.detail, bytes), elapsedMs: decodedMs - startMs };
      }
    }
  }
  if (thrown !== null) {
    const { code, offset } = errorCodeAndOffset(thrown.error);
    if (offset !== null && !(Number.isSafeInteger(offset) && offset >= 0 && offset <= bytes.length)) {
      return {
        outcome: finding('bad-offset', `bad-offset:${target.name}:${code}`, `${code} reported offset ${offset} for an input of ${bytes.length} byte(s)`, bytes),
        elapsedMs: decodedMs - startMs,
      };
    }
    const message = thrown.error instanceof Error ? thrown.error.message : '';
    if (message.replace(`${code}:`, '').trim().length === 0) {
      return { outcome: finding('bare-error', `bare-error:${target.name}:${code}`, `${code} was thrown with no message`, bytes), elapsedMs: decodedMs - startMs };
    }
    return { outcome: { kind: 'rejected', code, offset }, elapsedMs: decodedMs - startMs };
  }
  const roundTrip = checkRoundTrip(target, bytes, value);
  const elapsedMs = performance.now() - startMs;
  if (roundTrip.kind !== 'accepted') return { outcome: roundTrip, elapsedMs };
  // The near-misses are decodes of other inputs: their time is not this input's (each is an
  // input of its own to the `slow` property when the fuzzer reaches it).
  return { outcome: checkRejections(target, bytes), elapsedMs };
}

/** Every near-miss of an accepted input is refused with exactly the promised code (and offset). */
function checkRejections(target: AnyFuzzTarget, bytes: Uint8Array): CheckOutcome {
  if (target.rejections === undefined) return { kind: 'accepted' };
  let nearMisses: readonly NearMiss[];
  try {
    nearMisses = target.rejections(bytes);
  } catch (error) {
    // The builders walk the accepted input by the format's rules: one that cannot means the
    // decoder accepted bytes that break them (seen with a planted envelope that skips its end check).
    return finding('unexpected-error', `unexpected-error:${target.name}:near-misses:${errorSignature(error)}`, `the near-misses of an accepted input could not be built: ${errorText(error)}`, bytes);
  }
  for (const nearMiss of nearMisses) {
    const broken = checkNearMiss(target, nearMiss, `near-miss of an accepted input of ${bytes.length} byte(s)`);
    if (broken !== null) return broken;
  }
  return { kind: 'accepted' };
}

/**
 * The target's limit promises (`limits()`: inputs built from templates at each limit and one
 * past it, independent of any accepted input). The engine checks them once per run, the corpus
 * replay once per target; the first broken one is returned. `beforeEach` sees each input before
 * it is decoded (the hang watchdog's heartbeat).
 */
export function checkLimits(target: AnyFuzzTarget, beforeEach?: (bytes: Uint8Array) => void): { readonly outcome: CheckOutcome; readonly bytes: Uint8Array | null } {
  let limits: readonly NearMiss[];
  try {
    limits = target.limits?.() ?? [];
  } catch (error) {
    return { outcome: finding('unexpected-error', `unexpected-error:${target.name}:limits:${errorSignature(error)}`, `the limit promises could not be built: ${errorText(error)}`, null), bytes: null };
  }
  for (const nearMiss of limits) {
    beforeEach?.(nearMiss.bytes);
    const broken = checkNearMiss(target, nearMiss, 'a limit promise');
    if (broken !== null) return { outcome: broken, bytes: nearMiss.bytes };
  }
  return { outcome: { kind: 'accepted' }, bytes: null };
}

/**
 * One promise: `nearMiss.bytes` decode to `nearMiss.code` (a DecodeError's code, `accepted`, or
 * the target's verdict of the value) at `nearMiss.offset` when one is given. Null when kept;
 * otherwise the finding (`promise-broken`, or `unexpected-error` for a foreign exception).
 */
export function checkNearMiss(target: AnyFuzzTarget, nearMiss: NearMiss, context: string): CheckOutcome | null {
  if (nearMiss.sameAs !== undefined) return checkSameAs(target, nearMiss, nearMiss.sameAs, context);
  let got: string;
  let gotOffset: number | null = null;
  try {
    const value = target.decode(nearMiss.bytes);
    got = target.verdict === undefined ? 'accepted' : target.verdict(value);
  } catch (error) {
    if (!isExpected(target, error)) {
      return finding('unexpected-error', `unexpected-error:${target.name}:${errorSignature(error)}`, `decode threw an unexpected error: ${errorText(error)}`, nearMiss.bytes);
    }
    ({ code: got, offset: gotOffset } = errorCodeAndOffset(error));
  }
  if (got !== nearMiss.code) {
    return finding('promise-broken', `promise-broken:${target.name}:${nearMiss.name}`, `${nearMiss.name}: expected ${nearMiss.code}, got ${got} (${context})`, nearMiss.bytes);
  }
  if (nearMiss.offset !== undefined && gotOffset !== nearMiss.offset) {
    return finding(
      'promise-broken',
      `promise-broken:${target.name}:${nearMiss.name}:offset`,
      `${nearMiss.name}: ${got} expected at offset ${nearMiss.offset}, reported at ${String(gotOffset)} (${context})`,
      nearMiss.bytes,
    );
  }
  return null;
}

type DecodeOutcome = { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'refused'; readonly code: string; readonly offset: number | null };

/** Decodes `bytes`: the value, or the expected error's code and offset (throws any other error). */
function decodeOutcome(target: AnyFuzzTarget, bytes: Uint8Array): DecodeOutcome {
  try {
    return { kind: 'value', value: target.decode(bytes) };
  } catch (error) {
    if (!isExpected(target, error)) throw error;
    return { kind: 'refused', ...errorCodeAndOffset(error) };
  }
}

function describeDecode(outcome: DecodeOutcome): string {
  return outcome.kind === 'value' ? 'a value' : `${outcome.code} at ${String(outcome.offset)}`;
}

/** Another form of the same thing decodes as the reference does: an equal value, or the same refusal. */
function checkSameAs(target: AnyFuzzTarget, nearMiss: NearMiss, reference: Uint8Array, context: string): CheckOutcome | null {
  let expected: DecodeOutcome;
  let got: DecodeOutcome;
  try {
    expected = decodeOutcome(target, reference);
    got = decodeOutcome(target, nearMiss.bytes);
  } catch (error) {
    return finding('unexpected-error', `unexpected-error:${target.name}:${errorSignature(error)}`, `decode threw an unexpected error: ${errorText(error)}`, nearMiss.bytes);
  }
  const same =
    expected.kind === 'value'
      ? got.kind === 'value' && valuesEqual(target, expected.value, got.value)
      : got.kind === 'refused' && got.code === expected.code && got.offset === expected.offset;
  if (same) return null;
  const detail =
    expected.kind === 'value' && got.kind === 'value' ? 'decodes to a different value than its reference' : `decodes to ${describeDecode(got)}, its reference to ${describeDecode(expected)}`;
  return finding('promise-broken', `promise-broken:${target.name}:${nearMiss.name}`, `${nearMiss.name}: ${detail} (${context})`, nearMiss.bytes);
}

function checkRoundTrip(target: AnyFuzzTarget, bytes: Uint8Array, value: unknown): CheckOutcome {
  if (target.encode === undefined) return { kind: 'accepted' };
  let reEncoded: Uint8Array;
  try {
    reEncoded = target.encode(value);
  } catch (error) {
    return finding('encode-failed', `encode-failed:${target.name}:${errorSignature(error)}`, `decoder accepted a value its encoder refuses: ${errorText(error)}`, bytes);
  }
  if (target.canonical) {
    if (!bytesEqual(reEncoded, bytes)) {
      return finding('not-canonical', `not-canonical:${target.name}`, `accepted input re-encodes differently: ${toHex(reEncoded).slice(0, 200)}`, bytes);
    }
    return { kind: 'accepted' };
  }
  let again: unknown;
  try {
    again = target.decode(reEncoded);
  } catch (error) {
    return finding('round-trip', `round-trip:${target.name}:re-decode`, `the re-encoding does not decode: ${errorText(error)}`, bytes);
  }
  if (!valuesEqual(target, value, again)) {
    return finding('round-trip', `round-trip:${target.name}:value`, 'the re-encoding decodes to a different value', bytes);
  }
  let reEncodedAgain: Uint8Array;
  try {
    reEncodedAgain = target.encode(again);
  } catch (error) {
    return finding('encode-failed', `encode-failed:${target.name}:second:${errorSignature(error)}`, errorText(error), bytes);
  }
  if (!bytesEqual(reEncoded, reEncodedAgain)) {
    return finding('not-canonical', `not-canonical:${target.name}:unstable`, 'encoding the decoded re-encoding gives different bytes', bytes);
  }
  return { kind: 'accepted' };
}

function valuesEqual(target: AnyFuzzTarget, a: unknown, b: unknown): boolean {
  try {
    return target.equals !== undefined ? target.equals(a, b) : deepEqual(a, b);
  } catch {
    return false;
  }
}

// ArrayBuffer backing stores are normally freed by a concurrent sweeper whose accounting lands
// at arbitrary later moments, i.e. in the middle of some other input's measurement. Sweeping
// on the main thread, inside the collection, keeps `external_memory` exact between two reads.
setFlagsFromString('--no-concurrent-array-buffer-sweeping');

let gcFunction: (() => void) | null = null;

/** A full garbage collection (the V8 flag is switched on the first time it is needed). */
function collectGarbage(): void {
  if (gcFunction === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
}

type HeapStatistics = ReturnType<typeof getHeapStatistics> & { external_memory?: number };

function measureDecodeAllocation(target: AnyFuzzTarget, bytes: Uint8Array): { before: HeapStatistics; after: HeapStatistics } {
  const before = getHeapStatistics();
  try {
    target.decode(bytes);
  } catch {
    // Only the allocation matters here; the error was classified on the first run.
  }
  const after = getHeapStatistics();
  return { before, after };
}

function allocationExcess(
  target: AnyFuzzTarget,
  bytes: Uint8Array,
  before: HeapStatistics,
  after: HeapStatistics,
): { kind: 'external' | 'heap'; detail: string } | null {
  const budget = target.allocation ?? DEFAULT_ALLOCATION_BUDGET;
  const externalBytes = (after.external_memory ?? 0) - (before.external_memory ?? 0);
  if (externalBytes > budget.externalBytesMax(bytes.length)) {
    return {
      kind: 'external',
      detail: `one decode of a ${bytes.length}-byte input allocated ${externalBytes} bytes of ArrayBuffers (budget ${budget.externalBytesMax(bytes.length)})`,
    };
  }
  const heapBytes = after.used_heap_size - before.used_heap_size;
  if (heapBytes > budget.heapBytesMax(bytes.length)) {
    return {
      kind: 'heap',
      detail: `one decode of a ${bytes.length}-byte input allocated ${heapBytes} bytes of JS heap (budget ${budget.heapBytesMax(bytes.length)})`,
    };
  }
  return null;
}

function isExpected(target: AnyFuzzTarget, error: unknown): boolean {
  try {
    return target.isExpectedError(error);
  } catch {
    return false;
  }
}

function finding(kind: FindingKind, signature: string, detail: string, bytes: Uint8Array | null): CheckOutcome {
  const input = bytes === null ? '' : `\ninput (${bytes.length} bytes): ${toHex(bytes.subarray(0, 256))}${bytes.length > 256 ? '…' : ''}`;
  return { kind: 'finding', finding: kind, signature, detail: detail + input };
}

function describeOutcome(outcome: CheckOutcome): string {
  return outcome.kind === 'rejected' ? `rejected:${outcome.code}` : outcome.kind;
}

function errorCodeAndOffset(error: unknown): { code: string; offset: number | null } {
  if (typeof error === 'object' && error !== null) {
    const record = error as { code?: unknown; offset?: unknown };
    const code = typeof record.code === 'string' ? record.code : 'UNCODED';
    // Any number is kept (a NaN or a fraction is itself a bad offset; see `bad-offset`).
    const offset = typeof record.offset === 'number' ? record.offset : null;
    return { code, offset };
  }
  return { code: 'UNCODED', offset: null };
}

/** A stable summary of an error: its name, code, message shape and the frame that threw it. */
export function errorSignature(error: unknown): string {
  if (!(error instanceof Error)) return `non-error:${typeof error}`;
  const code = (error as { code?: unknown }).code;
  const shape = error.message.replace(/\d+/g, 'N').slice(0, 80);
  return `${error.name}:${typeof code === 'string' ? code : ''}:${shape}:${throwingFrame(error)}`;
}

/** The first stack frame outside the fuzzer itself: where the error really came from. */
function throwingFrame(error: Error): string {
  const lines = (error.stack ?? '').split('\n').slice(1);
  for (const line of lines) {
    const location = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?$/.exec(line.trim());
    if (location === null) continue;
    const file = location[1] ?? '';
    // Skip the fuzzer and the assertion helper: the frame that matters is the caller.
    if (/\/fuzz\/(check|engine|cli|worker)\.[jt]s$/.test(file) || /\/core\/assert\.[jt]s$/.test(file)) continue;
    return `${file.split('/').slice(-2).join('/')}:${location[2] ?? ''}`;
  }
  return '?';
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}\n${(error.stack ?? '').split('\n').slice(1, 8).join('\n')}`;
  return String(error);
}
