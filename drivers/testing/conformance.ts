// The ConsensusDriver conformance suite (public as `tsoracle/testing`): the contract of
// drivers/driver.ts, clause by clause, checked against a driver built by a SimDriverModule (or a
// bare factory) on the simulated ports of a fault-free world of 1, 3 or 5 nodes. It returns a
// report with one result per clause; it asserts nothing itself, so it runs in any test runner
// (`assertDriverConformance` throws an Error naming the failing clauses, for runners that want
// one).
//
// The clauses and what is checked:
//   leadership-first  subscribeLeadership delivers the current state before it returns; a
//                     follower's leaderEpoch never decreases; some node leads within the bound.
//   linearized-load   loadHighWater/loadSeq reflect every write a persist/advance returned, on
//                     the leader at once and after every node lost power and restarted.
//   persist-at-least  persistHighWater(atLeast) returns max(durable, atLeast): it never sets an
//                     absolute value (a persist below the durable value returns the durable value).
//   out-of-range      persistHighWater above PHYSICAL_MS_MAX (2^46 - 1) is refused with
//                     DRIVER_OUT_OF_RANGE and writes nothing.
//   epoch-fencing     a call with an epoch the driver no longer leads (after a restart elected a
//                     new epoch), or on a follower, is refused (DRIVER_FENCED / DRIVER_NOT_LEADER)
//                     and writes nothing. Not applicable to a single node that keeps one epoch.
//   seq-exactly-once  advanceSeq is a fetch-add per (clientId, requestId): blocks are contiguous,
//                     the same request returns the same block, also after a restart, and the
//                     same request id with another count is refused (SEQ_REQUEST_REUSED).
//   error-codes       expected failures are returned, never thrown, with a DriverErrorCode and a
//                     message: INVALID_SEQ_KEY, INVALID_SEQ_COUNT.
//
// Invariants: the world is seeded (`options.seed`), so a report is a function of the driver and
// the options; every call is bounded (`callTimeoutMs` of virtual time: the contract's "every
// call finishes in bounded time"); the suite closes every driver it opened.

import { PHYSICAL_MS_MAX, SEQ_COUNT_MAX } from '../../core/limits.js';
import type { SeqAdvanceRequest } from '../../core/ledger.js';
import { drawOptions } from '../../sim/oracle/options.js';
import type { SimDriverContext, SimDriverModule, SimPeer } from '../../sim/oracle/drivers.js';
import type { NodePorts } from '../../sim/process.js';
import { World } from '../../sim/world.js';
import type { ConsensusDriver, DriverErrorCode, DriverResult, LeaderState } from '../driver.js';

export const CONFORMANCE_CLAUSES = [
  'leadership-first',
  'linearized-load',
  'persist-at-least',
  'out-of-range',
  'epoch-fencing',
  'seq-exactly-once',
  'error-codes',
] as const;

export type ConformanceClause = (typeof CONFORMANCE_CLAUSES)[number];

/** The contract each clause checks (drivers/driver.ts). */
export const CONFORMANCE_CLAUSE_TEXT: Readonly<Record<ConformanceClause, string>> = {
  'leadership-first': 'subscribeLeadership delivers the current state before it returns, then every change; a follower\'s leaderEpoch never decreases',
  'linearized-load': 'loadHighWater and loadSeq reflect every write durably committed before the call, by any prior leader',
  'persist-at-least': 'persistHighWater(atLeast) durably advances to at least atLeast and returns the durable value max(stored, atLeast); it never sets an absolute value',
  'out-of-range': 'persistHighWater refuses values above PHYSICAL_MS_MAX (2^46 - 1) with DRIVER_OUT_OF_RANGE before writing anything',
  'epoch-fencing': 'a call with an epoch the driver does not lead is refused with DRIVER_FENCED or DRIVER_NOT_LEADER and writes nothing',
  'seq-exactly-once': 'advanceSeq is a durable exactly-once fetch-add per (clientId, requestId): the same request returns the same block',
  'error-codes': 'expected failures are returned (never thrown) with a DriverErrorCode and a message',
};

export type ClauseStatus = 'pass' | 'fail' | 'not-applicable';

export interface ClauseResult {
  readonly clause: ConformanceClause;
  readonly status: ClauseStatus;
  /** For a failure: what broke the clause; otherwise what was checked. */
  readonly detail: string;
}

export interface ConformanceReport {
  readonly driver: string;
  readonly nodes: number;
  /** True when no clause failed. */
  readonly ok: boolean;
  readonly clauses: readonly ClauseResult[];
}

export interface ConformanceOptions {
  /** Server nodes (default: the module's first node count; 1 for a bare factory). */
  readonly nodes?: number;
  /** The world's seed (default 1). */
  readonly seed?: number;
  /** Virtual time one driver call may take (default 30 000 ms). */
  readonly callTimeoutMs?: number;
  /** Virtual time to wait for a leader (default 60 000 ms). */
  readonly leaderTimeoutMs?: number;
}

/** A bare factory: what a SimDriverModule's `createDriver` is. */
export type ConformanceDriverFactory = (context: SimDriverContext) => Promise<ConsensusDriver>;

const DRIVER_ERROR_CODES: ReadonlySet<DriverErrorCode> = new Set<DriverErrorCode>([
  'DRIVER_NOT_LEADER',
  'DRIVER_FENCED',
  'DRIVER_TRANSIENT',
  'DRIVER_PERMANENT',
  'DRIVER_OUT_OF_RANGE',
  'INVALID_SEQ_KEY',
  'INVALID_SEQ_COUNT',
  'SEQ_OVERFLOW',
  'SEQ_KEY_CARDINALITY_EXCEEDED',
  'SEQ_SESSION_EXPIRED',
  'SEQ_REQUEST_REUSED',
]);

const SERVICE_PORT = 50551;
const PEER_PORT = 50552;
const DATA_DIR = '/data';
const SEQ_KEY = 'conformance/a';
const CLIENT_ID = 7n;

class NoAnswer extends Error {}

interface NodeSlot {
  readonly name: string;
  driver: ConsensusDriver | null;
  incarnation: number;
  last: LeaderState | null;
}

/** Runs the contract's clauses against `driver` and reports each. */
export async function checkDriverConformance(driver: SimDriverModule | ConformanceDriverFactory, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const module = typeof driver === 'function' ? { name: driver.name || 'driver', nodeCounts: [options.nodes ?? 1], createDriver: driver } : driver;
  const nodes = options.nodes ?? module.nodeCounts[0] ?? 1;
  if (![1, 3, 5].includes(nodes)) throw new RangeError(`checkDriverConformance: nodes must be 1, 3 or 5 (got ${nodes})`);
  return new ConformanceRun(module, nodes, options).run();
}

/** The report as lines of text, one per clause. */
export function formatConformanceReport(report: ConformanceReport): string {
  const lines = [`driver ${report.driver} (${report.nodes} node${report.nodes === 1 ? '' : 's'}): ${report.ok ? 'conforms' : 'DOES NOT CONFORM'}`];
  for (const c of report.clauses) lines.push(`  ${c.status === 'pass' ? 'pass' : c.status === 'fail' ? 'FAIL' : 'n/a '} ${c.clause}: ${c.detail}`);
  return lines.join('\n');
}

/** Runs the suite and throws an Error naming every failing clause (for test runners). */
export async function assertDriverConformance(driver: SimDriverModule | ConformanceDriverFactory, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const report = await checkDriverConformance(driver, options);
  if (!report.ok) {
    const failing = report.clauses.filter((c) => c.status === 'fail').map((c) => c.clause);
    throw new Error(`driver ${report.driver} breaks the ConsensusDriver contract (${failing.join(', ')}):\n${formatConformanceReport(report)}`);
  }
  return report;
}

class ConformanceRun {
  private readonly world: World;
  private readonly slots: NodeSlot[];
  private readonly peers: SimPeer[];
  private readonly failures = new Map<ConformanceClause, string[]>();
  private readonly notes = new Map<ConformanceClause, string[]>();
  private readonly notApplicable = new Map<ConformanceClause, string>();
  private readonly callTimeoutMs: number;
  private readonly leaderTimeoutMs: number;
  private readonly options: ReturnType<typeof drawOptions>;

  constructor(
    private readonly module: SimDriverModule,
    private readonly nodes: number,
    options: ConformanceOptions,
  ) {
    const seed = options.seed ?? 1;
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.leaderTimeoutMs = options.leaderTimeoutMs ?? 60_000;
    this.options = drawOptions({ seed, profile: 'calm', planted: null, ...(nodes === 1 ? {} : { nodes }) });
    this.world = new World({ seed, trace: { keep: false }, onUncaught: 'crash-node' });
    const names = nodes === 1 ? ['tso'] : Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
    this.peers = names.map((name, i) => ({ id: i + 1, name, endpoint: `${name}:${SERVICE_PORT}`, peerAddress: { host: name, port: PEER_PORT } }));
    this.slots = names.map((name) => ({ name, driver: null, incarnation: 0, last: null }));
    this.slots.forEach((slot, i) => this.world.addNode({ name: slot.name, start: false, program: (ports) => this.program(slot, i + 1, ports) }));
  }

  private async program(slot: NodeSlot, id: number, ports: NodePorts): Promise<{ stop(): Promise<void> }> {
    const peer = this.peers[id - 1] as SimPeer;
    const context: SimDriverContext = {
      disk: ports.disk,
      transport: ports.transport,
      clock: ports.clock,
      random: ports.random,
      rng: ports.rng,
      id,
      name: slot.name,
      endpoint: peer.endpoint,
      peerAddress: peer.peerAddress,
      peers: this.peers,
      dataDir: DATA_DIR,
      options: this.options,
      planted: null,
      incarnation: ports.incarnation,
      trace: (kind, details) => ports.trace(kind, details),
      fatal: (error) => this.fail('leadership-first', `${slot.name}#${ports.incarnation}: the driver stopped on an unrecoverable error with no fault injected: ${describeError(error)}`),
    };
    const driver = await this.module.createDriver(context);
    slot.driver = driver;
    slot.incarnation = ports.incarnation;
    slot.last = null;
    this.subscribe(slot, driver);
    return { stop: () => driver.close() };
  }

  private fail(clause: ConformanceClause, message: string): void {
    const list = this.failures.get(clause) ?? [];
    list.push(message);
    this.failures.set(clause, list);
  }

  private note(clause: ConformanceClause, message: string): void {
    const list = this.notes.get(clause) ?? [];
    list.push(message);
    this.notes.set(clause, list);
  }

  /** Subscribes and checks the first delivery is synchronous; follows the follower epochs. */
  private subscribe(slot: NodeSlot, driver: ConsensusDriver): void {
    let delivered = false;
    let followerEpoch: bigint | null = null;
    const label = `${slot.name}#${slot.incarnation}`;
    try {
      driver.subscribeLeadership((state) => {
        delivered = true;
        if (slot.driver === driver) slot.last = state;
        if (state.kind === 'follower' && state.leaderEpoch !== null) {
          if (followerEpoch !== null && state.leaderEpoch < followerEpoch) {
            this.fail('leadership-first', `${label}: a follower's leaderEpoch went from ${followerEpoch} to ${state.leaderEpoch}`);
          }
          followerEpoch = followerEpoch === null || state.leaderEpoch > followerEpoch ? state.leaderEpoch : followerEpoch;
        }
      });
    } catch (e) {
      this.fail('leadership-first', `${label}: subscribeLeadership threw ${describeError(e)}`);
      this.fail('error-codes', `${label}: subscribeLeadership threw ${describeError(e)}`);
      return;
    }
    if (!delivered) this.fail('leadership-first', `${label}: subscribeLeadership returned before delivering the current state`);
  }

  /** Settles a driver call within the bound; a throw or a hang fails the clause. */
  private async call<T>(clause: ConformanceClause, what: string, invoke: () => Promise<DriverResult<T>>): Promise<DriverResult<T>> {
    let promise: Promise<DriverResult<T>>;
    try {
      promise = invoke();
    } catch (e) {
      this.fail(clause, `${what} threw ${describeError(e)}`);
      this.fail('error-codes', `${what} threw ${describeError(e)} (expected failures are returned, never thrown)`);
      throw new NoAnswer(what);
    }
    let result: DriverResult<T>;
    try {
      result = await this.world.settle(promise, { untilMs: this.world.nowMs + this.callTimeoutMs });
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('world.settle')) {
        this.fail(clause, `${what} did not answer within ${this.callTimeoutMs} ms (every call finishes in bounded time)`);
      } else {
        this.fail(clause, `${what} rejected with ${describeError(e)}`);
        this.fail('error-codes', `${what} rejected with ${describeError(e)} (expected failures are returned, never thrown)`);
      }
      throw new NoAnswer(what);
    }
    if (!result.ok) {
      if (!DRIVER_ERROR_CODES.has(result.code)) this.fail('error-codes', `${what} failed with ${String(result.code)}, not a DriverErrorCode`);
      if (typeof result.message !== 'string') this.fail('error-codes', `${what} failed without a message`);
    }
    return result;
  }

  private async startAll(): Promise<boolean> {
    for (const slot of this.slots) {
      slot.driver = null;
      if (this.world.node(slot.name).status === 'down') this.world.start(slot.name);
    }
    const started = await this.world.runUntil(() => this.slots.every((s) => s.driver !== null) || this.world.failures.length > 0, {
      untilMs: this.world.nowMs + this.callTimeoutMs,
      idleStepMs: 100,
    });
    const failure = this.world.failures[0];
    if (failure !== undefined) {
      this.fail('leadership-first', `createDriver failed on ${failure.node}#${failure.incarnation}: ${describeError(failure.error)}`);
      return false;
    }
    if (!started) this.fail('leadership-first', `createDriver did not return within ${this.callTimeoutMs} ms`);
    return started;
  }

  /** The node leading the highest epoch, once some node leads. */
  private async leader(): Promise<{ slot: NodeSlot; driver: ConsensusDriver; epoch: bigint } | null> {
    const find = (): { slot: NodeSlot; driver: ConsensusDriver; epoch: bigint } | null => {
      let best: { slot: NodeSlot; driver: ConsensusDriver; epoch: bigint } | null = null;
      for (const slot of this.slots) {
        const state = slot.last;
        if (slot.driver === null || state?.kind !== 'leader') continue;
        if (best === null || state.epoch > best.epoch) best = { slot, driver: slot.driver, epoch: state.epoch };
      }
      return best;
    };
    await this.world.runUntil(() => find() !== null, { untilMs: this.world.nowMs + this.leaderTimeoutMs, idleStepMs: 100 });
    // Let a fresh leader settle (a Raft leader commits its term's first entry before serving reads).
    const found = find();
    if (found === null) this.fail('leadership-first', `no node reported leadership within ${this.leaderTimeoutMs} ms`);
    return found;
  }

  async run(): Promise<ConformanceReport> {
    try {
      await this.clauses();
    } catch (e) {
      if (!(e instanceof NoAnswer)) throw e;
    } finally {
      await this.closeAll();
    }
    const clauses = CONFORMANCE_CLAUSES.map((clause): ClauseResult => {
      const failures = this.failures.get(clause);
      if (failures !== undefined) return { clause, status: 'fail', detail: failures.join('; ') };
      const na = this.notApplicable.get(clause);
      if (na !== undefined) return { clause, status: 'not-applicable', detail: na };
      const notes = this.notes.get(clause);
      if (notes === undefined) return { clause, status: 'fail', detail: 'not reached (an earlier step failed)' };
      return { clause, status: 'pass', detail: notes.join('; ') };
    });
    return { driver: this.module.name, nodes: this.nodes, ok: clauses.every((c) => c.status !== 'fail'), clauses };
  }

  private async closeAll(): Promise<void> {
    for (const slot of this.slots) {
      const driver = slot.driver;
      if (driver === null || this.world.node(slot.name).status === 'down') continue;
      slot.driver = null;
      try {
        await this.world.settle(driver.close(), { untilMs: this.world.nowMs + this.callTimeoutMs });
      } catch {
        // A driver that cannot close is not a clause of the contract checked here.
      }
    }
  }

  private async clauses(): Promise<void> {
    if (!(await this.startAll())) return;
    const first = await this.leader();
    if (first === null) return;
    this.note('leadership-first', `every driver delivered its state on subscribe; ${first.slot.name} leads epoch ${first.epoch}`);
    const { driver: lead, epoch } = first;

    // --- persist as "advance to at least" -------------------------------------------------
    const loaded = await this.call('linearized-load', 'loadHighWater()', () => lead.loadHighWater());
    if (!loaded.ok) return this.fail('linearized-load', `loadHighWater() on the leader failed: ${loaded.code} ${loaded.message}`);
    const targetMs = loaded.highWaterMs + 1_000;
    const up = await this.call('persist-at-least', `persistHighWater(${targetMs})`, () => lead.persistHighWater(targetMs, epoch));
    if (!up.ok) return this.fail('persist-at-least', `persistHighWater(${targetMs}) on the leader failed: ${up.code} ${up.message}`);
    if (up.highWaterMs !== targetMs) this.fail('persist-at-least', `persistHighWater(${targetMs}) over a durable ${loaded.highWaterMs} returned ${up.highWaterMs}, not max(stored, atLeast) = ${targetMs}`);
    const lowerMs = targetMs - 500;
    const down = await this.call('persist-at-least', `persistHighWater(${lowerMs})`, () => lead.persistHighWater(lowerMs, epoch));
    if (!down.ok) this.fail('persist-at-least', `persistHighWater(${lowerMs}) below the durable ${targetMs} failed: ${down.code} ${down.message}`);
    else if (down.highWaterMs !== targetMs) {
      this.fail(
        'persist-at-least',
        `persistHighWater(${lowerMs}) after a persist to ${targetMs} returned ${down.highWaterMs}, not the durable value ${targetMs}: ` +
          (down.highWaterMs === lowerMs ? 'it set an absolute value' : 'it returned neither'),
      );
    } else this.note('persist-at-least', `persist(${targetMs}) returned ${targetMs}, then persist(${lowerMs}) returned ${targetMs}`);
    const after = await this.call('linearized-load', 'loadHighWater()', () => lead.loadHighWater());
    if (!after.ok) this.fail('linearized-load', `loadHighWater() on the leader failed: ${after.code} ${after.message}`);
    else if (after.highWaterMs < targetMs) this.fail('linearized-load', `loadHighWater() returned ${after.highWaterMs} after a persist returned ${targetMs}`);
    const durableMs = after.ok ? after.highWaterMs : targetMs;

    // --- refusal above 2^46 - 1 -----------------------------------------------------------
    const above = PHYSICAL_MS_MAX + 1;
    const refused = await this.call('out-of-range', `persistHighWater(${above})`, () => lead.persistHighWater(above, epoch));
    if (refused.ok) this.fail('out-of-range', `persistHighWater(${above}) above PHYSICAL_MS_MAX succeeded (returned ${refused.highWaterMs})`);
    else if (refused.code !== 'DRIVER_OUT_OF_RANGE') this.fail('out-of-range', `persistHighWater(${above}) failed with ${refused.code}, not DRIVER_OUT_OF_RANGE`);
    const unchanged = await this.call('out-of-range', 'loadHighWater()', () => lead.loadHighWater());
    if (unchanged.ok && unchanged.highWaterMs !== durableMs) this.fail('out-of-range', `after the refused persist the high-water is ${unchanged.highWaterMs}, not ${durableMs}: it wrote before refusing`);
    else if (unchanged.ok && !refused.ok && refused.code === 'DRIVER_OUT_OF_RANGE') this.note('out-of-range', `persistHighWater(2^46) refused with DRIVER_OUT_OF_RANGE, high-water unchanged`);

    // --- sequences: exactly once by request id -------------------------------------------
    const request = (requestId: bigint, count: number, key = SEQ_KEY): SeqAdvanceRequest => ({ key, count, clientId: CLIENT_ID, requestId });
    const before = await this.call('linearized-load', `loadSeq(${SEQ_KEY})`, () => lead.loadSeq(SEQ_KEY));
    const firstBlock = await this.call('seq-exactly-once', 'advanceSeq(request 1, 3)', () => lead.advanceSeq(request(1n, 3), epoch));
    if (!firstBlock.ok) return this.fail('seq-exactly-once', `advanceSeq on the leader failed: ${firstBlock.code} ${firstBlock.message}`);
    if (before.ok && firstBlock.start !== before.next) this.fail('seq-exactly-once', `the first block starts at ${firstBlock.start}, not at the counter ${before.next}`);
    if (firstBlock.count !== 3) this.fail('seq-exactly-once', `advanceSeq(count 3) returned a block of ${firstBlock.count}`);
    const again = await this.call('seq-exactly-once', 'advanceSeq(request 1 again)', () => lead.advanceSeq(request(1n, 3), epoch));
    if (!again.ok) this.fail('seq-exactly-once', `applying request 1 again failed: ${again.code} ${again.message}`);
    else if (again.start !== firstBlock.start || again.count !== firstBlock.count) {
      this.fail('seq-exactly-once', `applying request 1 again returned [${again.start}, +${again.count}), not its block [${firstBlock.start}, +${firstBlock.count}): advanced twice`);
    }
    const second = await this.call('seq-exactly-once', 'advanceSeq(request 2, 2)', () => lead.advanceSeq(request(2n, 2), epoch));
    const endAfter = firstBlock.start + 5n;
    if (!second.ok) this.fail('seq-exactly-once', `advanceSeq(request 2) failed: ${second.code} ${second.message}`);
    else if (second.start !== firstBlock.start + 3n) this.fail('seq-exactly-once', `request 2 got [${second.start}, +${second.count}), not the next block from ${firstBlock.start + 3n}`);
    const counter = await this.call('linearized-load', `loadSeq(${SEQ_KEY})`, () => lead.loadSeq(SEQ_KEY));
    if (counter.ok && counter.next < endAfter) this.fail('linearized-load', `loadSeq returned ${counter.next} after blocks up to ${endAfter} were returned`);

    // --- error codes ------------------------------------------------------------------------
    const expectCode = async (clause: ConformanceClause, what: string, req: SeqAdvanceRequest, code: DriverErrorCode): Promise<void> => {
      const r = await this.call(clause, what, () => lead.advanceSeq(req, epoch));
      if (r.ok) this.fail(clause, `${what} succeeded ([${r.start}, +${r.count})); expected ${code}`);
      else if (r.code !== code) this.fail(clause, `${what} failed with ${r.code}; expected ${code}`);
    };
    await expectCode('error-codes', 'advanceSeq with an empty key', request(3n, 1, ''), 'INVALID_SEQ_KEY');
    await expectCode('error-codes', 'advanceSeq of count 0', request(4n, 0), 'INVALID_SEQ_COUNT');
    await expectCode('error-codes', `advanceSeq of count ${SEQ_COUNT_MAX + 1}`, request(5n, SEQ_COUNT_MAX + 1), 'INVALID_SEQ_COUNT');
    this.note('error-codes', 'INVALID_SEQ_KEY and INVALID_SEQ_COUNT returned as failures; nothing thrown');
    // A request id names one request: the same id with another count is refused, not applied.
    await expectCode('seq-exactly-once', 'advanceSeq of request 1 with another count', request(1n, 4), 'SEQ_REQUEST_REUSED');

    // --- every node loses power and restarts ----------------------------------------------
    for (const slot of this.slots) {
      if (this.world.node(slot.name).status !== 'down') this.world.crash(slot.name, { keepPageCache: false });
      slot.driver = null;
      slot.last = null;
    }
    if (!(await this.startAll())) return;
    const next = await this.leader();
    if (next === null) return;
    const { driver: lead2, epoch: epoch2 } = next;
    const reloaded = await this.call('linearized-load', 'loadHighWater() after a restart', () => lead2.loadHighWater());
    if (!reloaded.ok) this.fail('linearized-load', `loadHighWater() after a restart failed: ${reloaded.code} ${reloaded.message}`);
    else if (reloaded.highWaterMs < durableMs) this.fail('linearized-load', `after every node lost power and restarted, loadHighWater() returned ${reloaded.highWaterMs}, below the ${durableMs} a persist had returned`);
    const recount = await this.call('linearized-load', 'loadSeq() after a restart', () => lead2.loadSeq(SEQ_KEY));
    if (recount.ok && recount.next < endAfter) this.fail('linearized-load', `after a restart loadSeq returned ${recount.next}, below the ${endAfter} the blocks returned reached`);
    if (reloaded.ok && recount.ok) this.note('linearized-load', `loads reflect what persist and advance returned, on the leader and after every node lost power`);
    const replayed = await this.call('seq-exactly-once', 'advanceSeq(request 1) after a restart', () => lead2.advanceSeq(request(1n, 3), epoch2));
    if (!replayed.ok) this.fail('seq-exactly-once', `applying request 1 again after a restart failed: ${replayed.code} ${replayed.message}`);
    else if (replayed.start !== firstBlock.start || replayed.count !== firstBlock.count) {
      this.fail('seq-exactly-once', `after a restart request 1 returned [${replayed.start}, +${replayed.count}), not its block [${firstBlock.start}, +${firstBlock.count})`);
    } else this.note('seq-exactly-once', 'blocks are contiguous; a request applied again returns its block, also after a restart');

    // --- epoch fencing ----------------------------------------------------------------------
    const fencedCodes: readonly DriverErrorCode[] = ['DRIVER_FENCED', 'DRIVER_NOT_LEADER'];
    let fencingChecked = false;
    const hwBefore = reloaded.ok ? reloaded.highWaterMs : durableMs;
    if (epoch2 !== epoch) {
      fencingChecked = true;
      const stale = await this.call('epoch-fencing', `persistHighWater with the old epoch ${epoch}`, () => lead2.persistHighWater(hwBefore + 1_000, epoch));
      if (stale.ok) this.fail('epoch-fencing', `persistHighWater with the old epoch ${epoch} succeeded on the leader of epoch ${epoch2}`);
      else if (!fencedCodes.includes(stale.code)) this.fail('epoch-fencing', `persistHighWater with the old epoch failed with ${stale.code}, not DRIVER_FENCED or DRIVER_NOT_LEADER`);
      const staleSeq = await this.call('epoch-fencing', `advanceSeq with the old epoch ${epoch}`, () => lead2.advanceSeq(request(6n, 1), epoch));
      if (staleSeq.ok) this.fail('epoch-fencing', `advanceSeq with the old epoch ${epoch} succeeded on the leader of epoch ${epoch2}`);
      else if (!fencedCodes.includes(staleSeq.code)) this.fail('epoch-fencing', `advanceSeq with the old epoch failed with ${staleSeq.code}, not DRIVER_FENCED or DRIVER_NOT_LEADER`);
      const hwAfter = await this.call('epoch-fencing', 'loadHighWater()', () => lead2.loadHighWater());
      if (hwAfter.ok && hwAfter.highWaterMs > hwBefore) this.fail('epoch-fencing', `a refused persist with the old epoch moved the high-water from ${hwBefore} to ${hwAfter.highWaterMs}`);
    }
    const follower = this.slots.find((s) => s !== next.slot && s.driver !== null && s.last?.kind === 'follower');
    if (follower !== undefined && follower.driver !== null) {
      fencingChecked = true;
      const followerDriver = follower.driver;
      const r = await this.call('epoch-fencing', `persistHighWater on follower ${follower.name}`, () => followerDriver.persistHighWater(hwBefore + 1_000, epoch2));
      if (r.ok) this.fail('epoch-fencing', `persistHighWater on follower ${follower.name} succeeded`);
      else if (!fencedCodes.includes(r.code)) this.fail('epoch-fencing', `persistHighWater on follower ${follower.name} failed with ${r.code}, not DRIVER_NOT_LEADER or DRIVER_FENCED`);
    }
    if (fencingChecked) this.note('epoch-fencing', `calls with a stale epoch${follower !== undefined ? ' and on a follower' : ''} are refused and write nothing`);
    else this.notApplicable.set('epoch-fencing', `one node that keeps epoch ${epoch} across restarts: never deposed, nothing to fence`);
  }
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
