// The fuzzing loop for one target. Each round picks a starting input (a corpus entry, a fresh
// valid value from the target's arbitrary, a near-valid raw input, or a splice of two entries),
// stacks mutations on it, optionally repairs its checksum, and checks every property on it
// (check.ts). Inputs that reach something new are kept in the in-memory corpus: new coverage
// (coverage.ts) when coverage is on, and always a new (error code, offset) outcome, a cheap
// signal that needs no instrumentation. A finding is shrunk, saved with its replay command, and
// reported once per signature.
//
// Invariants: with coverage off, or with a fixed coverage batch, a run is a pure function of
// (target, seed, starting corpus, exec count): time only decides when to stop ('auto' batches
// adapt to measured costs, so which inputs share a coverage take depends on timing). Every
// collection has a named limit. The loop never throws because of an input: everything an input
// can do is an outcome.
import * as fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { checkInput, checkLimits, checkValidValue, type CheckOutcome, type FindingKind, INPUT_BUDGET_MS_DEFAULT } from './check.js';
import { CoverageTracker } from './coverage.js';
import { toHex } from './deep-equal.js';
import { mutate } from './mutate.js';
import { FuzzRandom } from './random.js';
import { displayPath, readInputs, replayCommand, writeInput } from './store.js';
import type { AnyFuzzTarget } from './target.js';
import { FUZZ_INPUT_BYTES_MAX_DEFAULT } from './target.js';

/** In-memory corpus entries per target; beyond it new inputs replace random old ones. */
export const CORPUS_ENTRIES_MAX = 20_000;
/** In-memory corpus bytes per target; beyond it, likewise. */
export const CORPUS_BYTES_MAX = 64 * 1024 * 1024;
/** Distinct findings (signatures) per run before the run stops: the target is broken enough. */
export const FINDINGS_DISTINCT_MAX = 16;
/** Executions spent shrinking one finding. */
export const MINIMIZE_EXECS_MAX = 2_000;
/** Wall time spent shrinking one finding (allocation checks run a full GC per reproduction). */
export const MINIMIZE_TIME_MS_MAX = 5_000;
/** Valid values or raw inputs drawn from fast-check at once. */
const SAMPLE_POOL_SIZE = 512;
/** Distinct (code, offset) outcomes remembered for the coverage-free signal. */
const OUTCOME_FEATURES_MAX = 100_000;
/** Largest coverage batch: inputs run between two coverage takes. */
export const COVERAGE_BATCH_MAX = 512;
/** First coverage batch when it adapts ('auto'). */
const COVERAGE_BATCH_INITIAL = 16;

export interface FuzzOptions {
  readonly seed: number;
  /** Stop after this much wall time (whichever of time and execs comes first). */
  readonly timeMs?: number;
  /** Stop after this many executions. */
  readonly execsMax?: number;
  /** Use V8 precise coverage as feedback (slower per input, finds deeper bugs). */
  readonly coverage?: boolean;
  /** Inputs run between coverage takes; 'auto' sizes it from the measured costs. */
  readonly coverageBatch?: number | 'auto';
  /** Starting corpus folder (read, not written); null for none. */
  readonly corpusDir?: string | null;
  /** Where findings are saved; null to keep them in memory only. */
  readonly findingsDir?: string | null;
  /** Where inputs reaching new coverage are saved; omitted to save none. */
  readonly corpusOutDir?: string;
  readonly inputBudgetMs?: number;
  /** Stop at the first finding. */
  readonly stopOnFinding?: boolean;
  /** Called before each input runs (the hang watchdog records it). */
  readonly beforeInput?: (bytes: Uint8Array, execs: number) => void;
  /** Called once per distinct finding, as soon as it is saved. */
  readonly onFinding?: (finding: Finding) => void;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Milliseconds between progress lines (default 10 s). */
  readonly progressEveryMs?: number;
}

export interface Finding {
  readonly target: string;
  readonly kind: FindingKind;
  readonly signature: string;
  readonly detail: string;
  /** The (shrunk) reproducer. */
  readonly input: Uint8Array;
  /** Where it was saved, when it was. */
  readonly path: string | null;
  readonly replayCommand: string | null;
  /** Execution at which it was first seen. */
  readonly execIndex: number;
  /** How many inputs hit the same signature. */
  hits: number;
}

export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  readonly coverage: boolean;
  readonly execs: number;
  readonly elapsedMs: number;
  readonly execsPerSecond: number;
  readonly corpusSize: number;
  readonly startingCorpusSize: number;
  readonly coverageFeatures: number;
  readonly coverageBatch: number;
  /** Coverage takes, and how many of them were re-runs to attribute a batch's new coverage. */
  readonly coverageTakes: number;
  readonly coverageAttributionTakes: number;
  readonly accepted: number;
  readonly rejectedByCode: Readonly<Record<string, number>>;
  readonly findings: readonly Finding[];
}

export function fuzzTarget(target: AnyFuzzTarget, options: FuzzOptions): FuzzReport {
  return new FuzzRun(target, options).run();
}

class FuzzRun {
  private readonly random: FuzzRandom;
  private readonly corpus: Uint8Array[] = [];
  private readonly corpusHashes = new Set<string>();
  private corpusBytes = 0;
  private readonly outcomeFeatures = new Set<string>();
  private readonly findings = new Map<string, Finding>();
  private readonly rejectedByCode: Record<string, number> = {};
  private accepted = 0;
  private execs = 0;
  private validPool: unknown[] = [];
  private rawPool: Uint8Array[] = [];
  private readonly tracker: CoverageTracker | null;
  private coverageBatch = 1;
  private coverageBatchAdaptive = false;
  private lastCoverageFlushMs = 0;
  private pendingCoverage: Uint8Array[] = [];
  private coverageTakes = 0;
  private coverageAttributionTakes = 0;
  private readonly inputBudgetMs: number;

  constructor(
    private readonly target: AnyFuzzTarget,
    private readonly options: FuzzOptions,
  ) {
    this.random = new FuzzRandom(`${target.name}:${options.seed}`);
    this.tracker = options.coverage === true ? new CoverageTracker() : null;
    this.inputBudgetMs = options.inputBudgetMs ?? INPUT_BUDGET_MS_DEFAULT;
  }

  run(): FuzzReport {
    const startMs = performance.now();
    const deadlineMs = this.options.timeMs === undefined ? Number.POSITIVE_INFINITY : startMs + this.options.timeMs;
    const execsMax = this.options.execsMax ?? Number.POSITIVE_INFINITY;
    const progressEveryMs = this.options.progressEveryMs ?? 10_000;
    let nextProgressMs = startMs + progressEveryMs;
    this.tracker?.start();
    let startingCorpusSize = 0;
    try {
      startingCorpusSize = this.loadStartingCorpus();
      this.checkLimitPromises();
      this.calibrateCoverageBatch();
      for (let rounds = 1; this.execs < execsMax && !this.shouldStop(); rounds += 1) {
        this.round();
        if ((rounds & 63) === 0) {
          const nowMs = performance.now();
          if (nowMs >= deadlineMs) break;
          if (nowMs >= nextProgressMs) {
            nextProgressMs = nowMs + progressEveryMs;
            this.options.log?.(this.progressLine(nowMs - startMs));
          }
        }
      }
      this.flushCoverage();
    } finally {
      this.tracker?.stop();
    }
    const elapsedMs = performance.now() - startMs;
    return {
      target: this.target.name,
      seed: this.options.seed,
      coverage: this.tracker !== null,
      execs: this.execs,
      elapsedMs,
      execsPerSecond: elapsedMs > 0 ? (this.execs * 1000) / elapsedMs : 0,
      corpusSize: this.corpus.length,
      startingCorpusSize,
      coverageFeatures: this.tracker?.featureCount ?? 0,
      coverageBatch: this.coverageBatch,
      coverageTakes: this.coverageTakes,
      coverageAttributionTakes: this.coverageAttributionTakes,
      accepted: this.accepted,
      rejectedByCode: { ...this.rejectedByCode },
      findings: [...this.findings.values()],
    };
  }

  /**
   * The target's limit promises, once per run. A broken one is saved as it is (the near-miss
   * itself: it cannot be shrunk, its replay shows what the decoder made of it).
   */
  private checkLimitPromises(): void {
    const { outcome, bytes } = checkLimits(this.target, (candidate) => this.options.beforeInput?.(candidate, this.execs));
    if (outcome.kind === 'finding') this.onFinding(bytes ?? new Uint8Array(0), outcome, false);
  }

  private shouldStop(): boolean {
    if (this.findings.size === 0) return false;
    return this.options.stopOnFinding === true || this.findings.size >= FINDINGS_DISTINCT_MAX;
  }

  /** Corpus files, the target's seeds and a few valid values: all run once, all kept. */
  private loadStartingCorpus(): number {
    const starting: Uint8Array[] = [];
    if (this.options.corpusDir !== undefined && this.options.corpusDir !== null) {
      for (const file of readInputs(this.options.corpusDir)) starting.push(file.bytes);
    }
    for (const seed of this.target.seeds()) starting.push(seed);
    for (const bytes of starting) {
      this.exec(bytes);
      this.addToCorpus(bytes);
    }
    if (this.target.arbitrary !== undefined) {
      for (let i = 0; i < 16; i += 1) this.validRound(false);
    }
    if (this.corpus.length === 0) this.addToCorpus(new Uint8Array(0));
    // Everything run so far is in the corpus already: record its coverage as the baseline.
    if (this.tracker !== null) {
      this.tracker.commit(this.tracker.takeNewFeatures(false));
      this.pendingCoverage = [];
    }
    return this.corpus.length;
  }

  /**
   * A coverage take costs far more than most decodes (V8 walks every function it has compiled,
   * ~0.5-2 ms here), so inputs run in batches between takes. With 'auto' the batch adapts so
   * that about as much time goes to running inputs as to taking coverage; a number fixes it
   * (and keeps a coverage run a pure function of its seed).
   */
  private calibrateCoverageBatch(): void {
    if (this.tracker === null) return;
    const requested = this.options.coverageBatch ?? 'auto';
    this.coverageBatchAdaptive = requested === 'auto';
    this.coverageBatch = requested === 'auto' ? COVERAGE_BATCH_INITIAL : Math.max(1, Math.min(COVERAGE_BATCH_MAX, Math.floor(requested)));
    this.lastCoverageFlushMs = performance.now();
  }

  /** Moves the batch size toward "inputs run as long as a take costs" (smoothed). */
  private adaptCoverageBatch(runMs: number, takeMs: number, inputs: number): void {
    if (!this.coverageBatchAdaptive || inputs === 0 || runMs <= 0) return;
    const perInputMs = runMs / inputs;
    const ideal = takeMs / perInputMs;
    const next = Math.round(0.7 * this.coverageBatch + 0.3 * ideal);
    this.coverageBatch = Math.max(1, Math.min(COVERAGE_BATCH_MAX, next));
  }

  private round(): void {
    const sourceRoll = this.random.below(16);
    if (sourceRoll < 2 && this.target.arbitrary !== undefined && this.target.encode !== undefined) {
      this.validRound(this.random.chance(1, 2));
      return;
    }
    if (sourceRoll < 4 && this.target.rawArbitrary !== undefined) {
      const raw = this.capped(this.nextRaw());
      this.exec(this.random.chance(1, 2) ? this.mutated(raw) : raw);
      return;
    }
    this.exec(this.mutated(this.pickCorpus()));
  }

  /** A fresh valid value: its encoding must round-trip; then maybe a mutation of it. */
  private validRound(thenMutate: boolean): void {
    const value = this.nextValid();
    this.execs += 1;
    const { outcome, bytes } = checkValidValue(this.target, value, (encoded) => this.options.beforeInput?.(encoded, this.execs));
    this.record(bytes ?? new Uint8Array(0), outcome);
    if (bytes !== null) {
      if (thenMutate) this.exec(this.mutated(bytes));
      else this.noteOutcomeFeature(bytes, outcome);
    }
  }

  private capped(bytes: Uint8Array): Uint8Array {
    const inputBytesMax = this.target.inputBytesMax ?? FUZZ_INPUT_BYTES_MAX_DEFAULT;
    return bytes.length > inputBytesMax ? bytes.subarray(0, inputBytesMax) : bytes;
  }

  private mutated(base: Uint8Array): Uint8Array {
    let bytes = mutate(base, { random: this.random, target: this.target, other: () => this.pickCorpus() });
    if (this.target.fixup !== undefined && this.random.chance(1, 2)) {
      try {
        bytes = this.target.fixup(bytes);
      } catch {
        // A fixup only steers generation; one that trips on garbage leaves the input as is.
      }
    }
    return bytes;
  }

  private exec(bytes: Uint8Array): void {
    this.options.beforeInput?.(bytes, this.execs);
    this.execs += 1;
    const outcome = checkInput(this.target, bytes, { inputBudgetMs: this.inputBudgetMs });
    this.record(bytes, outcome);
    if (outcome.kind === 'finding') return;
    this.noteOutcomeFeature(bytes, outcome);
    if (this.tracker !== null) {
      this.pendingCoverage.push(bytes);
      if (this.pendingCoverage.length >= this.coverageBatch) this.flushCoverage();
    }
  }

  private record(bytes: Uint8Array, outcome: CheckOutcome): void {
    switch (outcome.kind) {
      case 'accepted':
        this.accepted += 1;
        return;
      case 'rejected':
        this.rejectedByCode[outcome.code] = (this.rejectedByCode[outcome.code] ?? 0) + 1;
        return;
      case 'finding':
        this.onFinding(bytes, outcome);
        return;
    }
  }

  /**
   * Coverage-free feedback: an input that fails in a new place (code, offset bucket) is kept,
   * and one accepted input per length bucket.
   */
  private noteOutcomeFeature(bytes: Uint8Array, outcome: CheckOutcome): void {
    if (outcome.kind === 'finding' || this.outcomeFeatures.size >= OUTCOME_FEATURES_MAX) return;
    const feature = outcome.kind === 'accepted' ? `ok:${sizeBucket(bytes.length)}` : `${outcome.code}@${outcome.offset === null ? '?' : sizeBucket(outcome.offset)}`;
    if (this.outcomeFeatures.has(feature)) return;
    this.outcomeFeatures.add(feature);
    this.addToCorpus(bytes);
  }

  /** Takes the batch's coverage; when it holds something new, finds which inputs brought it. */
  private flushCoverage(): void {
    const tracker = this.tracker;
    if (tracker === null || this.pendingCoverage.length === 0) return;
    const batch = this.pendingCoverage;
    this.pendingCoverage = [];
    this.coverageTakes += 1;
    const takeStartMs = performance.now();
    const fresh = tracker.takeNewFeatures(false, batch.length > 1);
    const takeEndMs = performance.now();
    this.adaptCoverageBatch(takeStartMs - this.lastCoverageFlushMs, takeEndMs - takeStartMs, batch.length);
    this.lastCoverageFlushMs = takeEndMs;
    if (fresh.length === 0) return;
    if (batch.length === 1) {
      tracker.commit(fresh);
      this.keepCovering(batch[0] as Uint8Array);
      return;
    }
    // Counts summed over a batch say nothing about one input, so the batch check looks only at
    // which points ran; each input re-run alone then contributes points and count buckets.
    const unexplained = new Set(fresh);
    tracker.reset();
    for (const bytes of batch) {
      runForCoverage(this.target, bytes);
      this.coverageAttributionTakes += 1;
      const own = tracker.takeNewFeatures(false);
      if (own.length === 0) continue;
      tracker.commit(own);
      this.keepCovering(bytes);
      for (const feature of own) unexplained.delete(feature.replace(/:\d+$/, ''));
      if (unexplained.size === 0) break;
    }
    // Points no single decode explains were run by the generator itself (a target's fixup or
    // length-field walker); remember them so they do not send every later batch back here.
    tracker.commit([...unexplained]);
    this.lastCoverageFlushMs = performance.now();
  }

  private keepCovering(bytes: Uint8Array): void {
    if (this.addToCorpus(bytes) && this.options.corpusOutDir !== undefined) writeInput(this.options.corpusOutDir, bytes);
  }

  /** Adds an input to the corpus unless already there; returns whether it was new. */
  private addToCorpus(bytes: Uint8Array): boolean {
    const hash = quickHash(bytes);
    if (this.corpusHashes.has(hash)) return false;
    this.corpusHashes.add(hash);
    if (this.corpus.length < CORPUS_ENTRIES_MAX && this.corpusBytes + bytes.length <= CORPUS_BYTES_MAX) {
      this.corpus.push(bytes);
      this.corpusBytes += bytes.length;
    } else {
      const at = this.random.below(this.corpus.length);
      this.corpusBytes += bytes.length - (this.corpus[at]?.length ?? 0);
      this.corpus[at] = bytes;
    }
    return true;
  }

  private pickCorpus(): Uint8Array {
    // Half the time one of the latest additions: they are the frontier of what was reached.
    const recent = Math.min(64, this.corpus.length);
    const index = this.random.chance(1, 2) ? this.corpus.length - 1 - this.random.below(recent) : this.random.below(this.corpus.length);
    return this.corpus[index] ?? new Uint8Array(0);
  }

  private nextValid(): unknown {
    if (this.validPool.length === 0 && this.target.arbitrary !== undefined) {
      this.validPool = fc.sample(this.target.arbitrary, { seed: this.random.seed(), numRuns: SAMPLE_POOL_SIZE });
    }
    return this.validPool.pop();
  }

  private nextRaw(): Uint8Array {
    if (this.rawPool.length === 0 && this.target.rawArbitrary !== undefined) {
      this.rawPool = fc.sample(this.target.rawArbitrary, { seed: this.random.seed(), numRuns: SAMPLE_POOL_SIZE });
    }
    return this.rawPool.pop() ?? new Uint8Array(0);
  }

  private onFinding(bytes: Uint8Array, outcome: Extract<CheckOutcome, { kind: 'finding' }>, shrink = true): void {
    const known = this.findings.get(outcome.signature);
    if (known !== undefined) {
      known.hits += 1;
      return;
    }
    const shrunk =
      !shrink || outcome.finding === 'slow' || bytes.length === 0
        ? bytes
        : minimize(this.target, bytes, outcome.signature, this.inputBudgetMs, (candidate) => this.options.beforeInput?.(candidate, this.execs));
    const final = shrunk === bytes ? outcome : checkInput(this.target, shrunk, { inputBudgetMs: this.inputBudgetMs });
    const detail = final.kind === 'finding' ? final.detail : outcome.detail;
    let path: string | null = null;
    let command: string | null = null;
    if (this.options.findingsDir !== undefined && this.options.findingsDir !== null) {
      path = writeInput(this.options.findingsDir, shrunk);
      command = replayCommand(this.target.name, path);
      writeInput(
        this.options.findingsDir,
        shrunk,
        [`target: ${this.target.name}`, `kind: ${outcome.finding}`, `signature: ${outcome.signature}`, `seed: ${this.options.seed}`, `replay: ${command}`, '', detail].join('\n'),
      );
    }
    const finding: Finding = {
      target: this.target.name,
      kind: outcome.finding,
      signature: outcome.signature,
      detail,
      input: shrunk,
      path,
      replayCommand: command,
      execIndex: this.execs,
      hits: 1,
    };
    this.findings.set(outcome.signature, finding);
    this.options.onFinding?.(finding);
    this.options.log?.(
      `FINDING ${this.target.name} ${outcome.finding} after ${this.execs} execs: ${outcome.signature}\n  input ${toHex(shrunk.subarray(0, 64))}${shrunk.length > 64 ? '…' : ''} (${shrunk.length} bytes)` +
        (path === null ? '' : `\n  saved ${displayPath(path)}\n  replay: ${command}`),
    );
  }

  private progressLine(elapsedMs: number): string {
    const rate = Math.round((this.execs * 1000) / Math.max(1, elapsedMs));
    return `${this.target.name}: ${this.execs} execs, ${rate}/s, corpus ${this.corpus.length}, features ${this.tracker?.featureCount ?? 0}, findings ${this.findings.size}`;
  }
}

/** Runs decode (and the re-encode) only for its coverage; the outcome was checked already. */
function runForCoverage(target: AnyFuzzTarget, bytes: Uint8Array): void {
  try {
    const value = target.decode(bytes);
    if (target.encode !== undefined) target.encode(value);
  } catch {
    // The outcome was classified when the input first ran.
  }
}

/**
 * Shrinks a finding's input while it keeps the same signature: cut the tail, then remove ever
 * smaller chunks, repairing the checksum when the target can (a shrink that breaks the CRC
 * would otherwise stop at the checksum). Bounded by MINIMIZE_EXECS_MAX executions.
 */
export function minimize(
  target: AnyFuzzTarget,
  bytes: Uint8Array,
  signature: string,
  inputBudgetMs: number,
  beforeInput?: (candidate: Uint8Array) => void,
): Uint8Array {
  let best = bytes;
  let budget = MINIMIZE_EXECS_MAX;
  const deadlineMs = performance.now() + MINIMIZE_TIME_MS_MAX;
  const reproduces = (candidate: Uint8Array): Uint8Array | null => {
    const variants = [candidate];
    if (target.fixup !== undefined) {
      try {
        variants.push(target.fixup(candidate));
      } catch {
        // Not every shrunk input has a repairable shape.
      }
    }
    for (const variant of variants) {
      if (budget <= 0 || performance.now() > deadlineMs) {
        budget = 0;
        return null;
      }
      budget -= 1;
      beforeInput?.(variant);
      const outcome = checkInput(target, variant, { inputBudgetMs });
      if (outcome.kind === 'finding' && outcome.signature === signature && variant.length <= best.length) return variant;
    }
    return null;
  };
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && budget > 0; chunk >>= 1) {
    let at = 0;
    while (at < best.length && budget > 0) {
      const candidate = new Uint8Array(best.length - Math.min(chunk, best.length - at));
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + chunk), at);
      const kept = reproduces(candidate);
      if (kept !== null && kept.length < best.length) best = kept;
      else at += chunk;
    }
  }
  return best;
}

/** Exact below 32, then one bucket per power of two: offsets in long inputs are not news. */
function sizeBucket(n: number): string {
  return n < 32 ? String(n) : `2^${Math.floor(Math.log2(n))}`;
}

/** Cheap content key for corpus de-duplication (collisions only skip an entry). */
function quickHash(bytes: Uint8Array): string {
  if (bytes.length <= 32) return toHex(bytes);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] ?? 0;
    h1 = Math.imul(h1 ^ byte, 0x01000193);
    h2 = Math.imul(h2 + byte, 0x5bd1e995) ^ (h2 >>> 13);
  }
  return `${bytes.length}:${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}`;
}

