// The client side of a simulated run, shared by the single-node run (cluster.ts) and the Raft
// cluster run (raft-run.ts): client nodes running the real client library with a few concurrent
// callers each, writing every call into the history, and the per-call liveness checks at the end.
//
// Invariants:
//   - A caller never throws: every call ends in the history as ok, failed or unknown (a call
//     rejected with anything but a TsoError is a `process_failed` violation of the client).
//   - A client process that dies loses its session: its calls in flight end unknown
//     (CLIENT_CRASHED); the supervisor starts it again with a new session.
//   - The workload runs until `workloadEndMs`, which the run may push later (convergence), and
//     on while `holdOpen()` holds.
//   - A run given a plan (capsule-plan.ts) draws no call: each caller makes its planned calls
//     (by client incarnation and caller index) and stops when they run out; a caller the plan
//     does not name makes none. A recording run keeps every call as it is invoked.
//   - A session churn (options.rare.sessionChurn) runs on a client process of its own (CHURN_NODE,
//     which the nemesis never strikes), in the safety phase only: short sessions one after
//     another, each a new client (a new clientId), so the ledger's session table fills and
//     evicts; and one sleeping session that asks again only once it has been evicted.
//   - A long-lived session (options.rare.longSession) runs on a client process of its own
//     (LONG_NODE, which the nemesis never strikes), in the safety phase only: one client whose
//     callers make more getSeq calls than the ledger remembers per session, so it forgets the
//     lowest (under the safety phase's faults a Raft cluster answers a few hundred at most).

import { TsoError } from '../../core/errors.js';
import { createClientCore, type ClientCoreOptions, type ClientEvent, type TsoClient } from '../../drivers/client/index.js';
import { sleep } from '../../drivers/ports.js';
import type { NodePorts, Program } from '../process.js';
import type { Rng } from '../random.js';
import type { World } from '../world.js';
import type { Checker } from './checkers.js';
import { describeOp, isSeqKind, type ClientSession, type History, type Op, type OpKind } from './history.js';
import { callerKey, callersOfPlan, type PlannedOp, type PlanSource } from './capsule-plan.js';
import type { SimOptions } from './options.js';
import { ServiceChecker } from './service-checkers.js';
import { ServiceWorkload, UNIMPLEMENTED_CODE } from './service-workload.js';

/** Slack on the client's deadline (timer granularity). */
export const DEADLINE_SLACK_MS = 10;

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function describeEvent(e: ClientEvent): string {
  switch (e.type) {
    case 'attemptFailed':
      return `attempt to ${e.endpoint} failed: ${e.code} (${e.sent ? 'sent' : 'not sent'}): ${e.message}`;
    case 'answer':
      return `answer from ${e.endpoint}: ${e.code}`;
    case 'attempt':
      return `attempt to ${e.endpoint} (count ${e.count})`;
    case 'backoff':
      return `backing off ${e.delayMs} ms`;
    case 'failed':
      return `call failed: ${e.code}`;
    default:
      return e.type;
  }
}

export interface WorkloadContext {
  readonly world: World;
  readonly history: History;
  readonly checker: Checker;
  readonly options: SimOptions;
  /** The client protocol endpoints of every server node. */
  readonly endpoints: readonly string[];
  /** Where the callers' calls come from: drawn (and maybe recorded), or a plan's (capsule-plan.ts). */
  readonly plan?: PlanSource;
}

/** The client process of the session churn. */
export const CHURN_NODE = 'churn';
/** The client process of the long-lived session (options.rare.longSession). */
export const LONG_NODE = 'long';

/** Floors on a client's timeouts, over the run's drawn ones. */
interface ClientPatience {
  readonly attemptTimeoutMinMs: number;
  /** The overall timeout is at least this many attempt timeouts. */
  readonly overallAttempts: number;
}

/**
 * The long session's callers are many and closed-loop; under the run's shortest timeouts (20 ms
 * within 40 ms) a Raft leader whose commits take longer answers none of them in time, and every
 * abandoned call still queues a commit (the server does not drop calls past their deadline), so
 * the session never gets through (3-node seeds 334 and 357). Its purpose is a session with more
 * results than the ledger keeps, so it waits long enough to be answered.
 */
const LONG_SESSION_PATIENCE: ClientPatience = { attemptTimeoutMinMs: 500, overallAttempts: 2 };
/** How often the sleeping session looks whether enough sessions opened after it. */
const SLEEPER_POLL_MS = 10;

export class ClientWorkload {
  readonly clientNames: string[] = [];
  private readonly sessionsByNode = new Map<string, ClientSession>();
  /** Sessions opened with timeouts of their own (ClientPatience), held to those. */
  private readonly sessionTimeouts = new Map<ClientSession, { readonly attemptTimeoutMs: number; readonly overallTimeoutMs: number }>();
  /** Callers stop calling from then on (unless `holdOpen` says to go on). */
  workloadEndMs: number;
  /** Keeps the callers calling past `workloadEndMs` while it holds (a run waiting to converge). */
  holdOpen: () => boolean = () => false;
  /** A plan's calls by caller (null: the callers draw theirs). */
  private readonly plannedCalls: ReadonlyMap<string, readonly PlannedOp[]> | null;
  /**
   * The service callers (options.services) and their checker. A plan (capsule-plan.ts) does not
   * hold their calls: they draw them from their own streams under a plan too, so a plan replays
   * the seed it came from (a shrunk plan keeps them whole).
   */
  readonly services: ServiceWorkload | null;

  constructor(private readonly ctx: WorkloadContext) {
    const o = ctx.options;
    this.plannedCalls = ctx.plan?.plan == null ? null : callersOfPlan(ctx.plan.plan);
    this.workloadEndMs = o.phases.safetyMs + o.phases.livenessMs;
    this.services = o.services === undefined ? null : new ServiceWorkload(ctx, o.services);
    if (this.services !== null) {
      this.services.log.observer = new ServiceChecker(this.services.log, ctx.checker.durable, o, (kind, message, details) => ctx.checker.report(kind, message, details), ctx.checker.valueChecks);
    }
    for (let i = 1; i <= o.workload.clients; i++) {
      const name = `c${i}`;
      this.clientNames.push(name);
      ctx.world.addNode({ name, program: this.clientProgram(), start: false });
    }
    const churn = o.rare.sessionChurn;
    if (churn !== null) ctx.world.addNode({ name: CHURN_NODE, program: this.churnProgram(churn), start: false });
    const long = o.rare.longSession;
    if (long !== undefined) ctx.world.addNode({ name: LONG_NODE, program: this.longSessionProgram(long), start: false });
  }

  startAll(): void {
    for (const name of this.clientNames) this.ctx.world.start(name);
    if (this.ctx.options.rare.sessionChurn !== null) this.ctx.world.start(CHURN_NODE);
    if (this.ctx.options.rare.longSession !== undefined) this.ctx.world.start(LONG_NODE);
  }

  /**
   * Whether the session churn still churns: only in the safety phase. It is a load the product
   * survives but does not promise to serve through: when sessions are evicted faster than a
   * round trip, a new client's ids stay below the watermark after its three jumps and its call
   * fails SEQ_SESSION_EXPIRED (single-node seeds 204 and 231 did, after convergence).
   */
  private churning(): boolean {
    return this.ctx.history.phase === 'safety' && this.calling();
  }

  /** Whether callers still call (the workload has not ended, or the run holds it open). */
  private calling(): boolean {
    return this.ctx.world.nowMs < this.workloadEndMs || this.holdOpen();
  }

  startIfDown(name: string): void {
    if (this.ctx.world.node(name).status !== 'down') return;
    this.ctx.world.start(name);
  }

  crash(name: string): void {
    const world = this.ctx.world;
    if (world.node(name).status === 'down') return;
    const session = this.sessionsByNode.get(name);
    if (session !== undefined && session.incarnation === world.node(name).incarnations) this.ctx.history.clientLost(session, world.nowMs);
    this.services?.log.clientLost(name, world.nowMs);
    world.crash(name);
  }

  /** A client process exited on an error: its session is lost and the supervisor restarts it. */
  onExit(name: string): void {
    const session = this.sessionsByNode.get(name);
    if (session !== undefined && session.alive) this.ctx.history.clientLost(session, this.ctx.world.nowMs);
    this.services?.log.clientLost(name, this.ctx.world.nowMs);
    this.ctx.world.after(0, () => this.startIfDown(name), 'supervisor.restart');
  }

  private clientProgram(): Program {
    return async (ports: NodePorts) => {
      const { checker, options } = this.ctx;
      const { client, session: opened } = this.openClient(ports);
      this.sessionsByNode.set(ports.node, opened);
      for (let i = 0; i < options.workload.callersPerClient; i++) {
        // A caller never throws; if the harness itself does, say so instead of losing it.
        this.caller(ports, client, opened, i).catch((error: unknown) => checker.report('process_failed', `harness caller failed: ${errorText(error)}`));
      }
      this.services?.start(ports, client, opened, () => this.calling());
      return { stop: () => client.close() };
    };
  }

  /** The session churn's process: churners opening short sessions, and the sleeping session. */
  private churnProgram(churn: NonNullable<SimOptions['rare']['sessionChurn']>): Program {
    return async (ports: NodePorts) => {
      const { checker } = this.ctx;
      const live = new Set<TsoClient>();
      let opened = 0;
      const seqCall = async (client: TsoClient, session: ClientSession, rng: Rng): Promise<void> => {
        const w = this.ctx.options.workload;
        const op = this.ctx.history.invoke(session, 'getSeq', rng.int(1, w.seqCountMax), `key-${rng.int(1, w.seqKeys)}`, this.ctx.world.nowMs);
        ports.trace('op.invoke', { op: op.id, kind: op.kind, count: op.count, key: op.key, requestId: op.requestId });
        await this.call(ports, client, op);
        // A call that ended at the instant it began (refused before any I/O) must not spin.
        if (op.completeMs === op.invokeMs) await sleep(ports.clock, 1);
      };
      const sleeper = async (): Promise<void> => {
        const rng = ports.rng.fork('sleeper');
        const { client, session } = this.openClient(ports);
        live.add(client);
        await seqCall(client, session, rng);
        while (this.churning() && opened < churn.sleeperWakeAfterSessions) await sleep(ports.clock, SLEEPER_POLL_MS);
        if (this.churning()) await seqCall(client, session, rng);
        live.delete(client);
        await client.close();
      };
      const churner = async (index: number): Promise<void> => {
        const rng = ports.rng.fork(`churner/${index}`);
        while (this.churning() && opened < churn.sessionsMax) {
          opened++;
          const { client, session } = this.openClient(ports);
          live.add(client);
          for (let i = 0; i < churn.callsPerSession && this.churning(); i++) await seqCall(client, session, rng);
          live.delete(client);
          await client.close();
        }
      };
      const report = (error: unknown): void => checker.report('process_failed', `harness churn failed: ${errorText(error)}`);
      sleeper().catch(report);
      for (let i = 0; i < churn.churners; i++) churner(i).catch(report);
      return {
        stop: async () => {
          for (const client of live) await client.close();
        },
      };
    };
  }

  /** The long-lived session's process: one client, its callers calling getSeq until the session made `calls` (or the workload ends). */
  private longSessionProgram(long: NonNullable<SimOptions['rare']['longSession']>): Program {
    return async (ports: NodePorts) => {
      const { checker, history, world } = this.ctx;
      const { client, session } = this.openClient(ports, LONG_SESSION_PATIENCE);
      let made = 0;
      const caller = async (index: number): Promise<void> => {
        const rng = ports.rng.fork(`long/${index}`);
        const w = this.ctx.options.workload;
        // Like the churn, only in the safety phase: after the faults stop, its 8-24 callers on a
        // slowly replicating cluster (1 entry per message, 1 in flight) starved the other
        // clients' short deadlines (5-node seeds 216, 427, 475, 695 of 1..1000 failed liveness).
        while (this.ctx.history.phase === 'safety' && this.calling() && made < long.calls) {
          made++;
          const op = history.invoke(session, 'getSeq', rng.int(1, w.seqCountMax), `key-${rng.int(1, w.seqKeys)}`, world.nowMs);
          ports.trace('op.invoke', { op: op.id, kind: op.kind, count: op.count, key: op.key, requestId: op.requestId });
          await this.call(ports, client, op);
          // A call that ended at the instant it began (refused before any I/O) must not spin.
          if (op.completeMs === op.invokeMs) await sleep(ports.clock, 1);
        }
      };
      for (let i = 0; i < long.callers; i++) caller(i).catch((error: unknown) => checker.report('process_failed', `harness long session failed: ${errorText(error)}`));
      return { stop: () => client.close() };
    };
  }

  /** A new client (a new clientId) on this process, and its session in the history. */
  private openClient(ports: NodePorts, patience: ClientPatience | null = null): { readonly client: TsoClient; readonly session: ClientSession } {
    const { world, history, options } = this.ctx;
    const c = options.client;
    const attemptTimeoutMs = Math.max(c.attemptTimeoutMs, patience?.attemptTimeoutMinMs ?? 0);
    let session: ClientSession | null = null;
    const clientOptions: ClientCoreOptions = {
      endpoints: [...this.ctx.endpoints],
      transport: ports.transport,
      clock: ports.clock,
      random: ports.random,
      retry: {
        attemptsMax: c.attemptsMax,
        attemptTimeoutMs,
        overallTimeoutMs: Math.max(c.overallTimeoutMs, attemptTimeoutMs * (patience?.overallAttempts ?? 0)),
        backoffBaseMs: c.backoffBaseMs,
        backoffCapMs: c.backoffCapMs,
      },
      onEvent: (e) => {
        if (session !== null && e.type === 'requestIdRenewed') history.renewRequestId(session, e.previous, e.next);
        if (session !== null && (e.type === 'attempt' || e.type === 'answer' || e.type === 'attemptFailed' || e.type === 'backoff' || e.type === 'failed')) {
          session.lastEvent[e.op === 'getTs' ? 'getTs' : 'getSeq'] = { atMs: world.nowMs, event: e };
        }
      },
      ...(options.spec.planted === 'newRequestIdOnRetry' ? { faults: { newRequestIdOnRetry: true } } : {}),
    };
    const client = createClientCore(clientOptions);
    const opened = history.openSession(ports.node, ports.incarnation, client.clientId, client.nextRequestId);
    if (patience !== null) this.sessionTimeouts.set(opened, { attemptTimeoutMs: clientOptions.retry?.attemptTimeoutMs ?? c.attemptTimeoutMs, overallTimeoutMs: clientOptions.retry?.overallTimeoutMs ?? c.overallTimeoutMs });
    session = opened;
    ports.trace('client.session', { clientId: client.clientId });
    return { client, session: opened };
  }

  private pickOp(rng: Rng): { kind: OpKind; count: number; key: string | null } {
    const w = this.ctx.options.workload;
    const total = w.weights.getTs + w.weights.getTsBatch + w.weights.getSeq;
    const r = rng.int(0, total - 1);
    if (r < w.weights.getTs) return { kind: 'getTs', count: 1, key: null };
    if (r < w.weights.getTs + w.weights.getTsBatch) return { kind: 'getTsBatch', count: rng.int(1, w.tsBatchCountMax), key: null };
    return { kind: 'getSeq', count: rng.int(1, w.seqCountMax), key: `key-${rng.int(1, w.seqKeys)}` };
  }

  /**
   * One caller: calls in a loop until the workload ends, its process dies or (a plan's caller)
   * its planned calls run out. Never throws.
   */
  private async caller(ports: NodePorts, client: TsoClient, session: ClientSession, index: number): Promise<void> {
    const { world, history, options } = this.ctx;
    const rng = ports.rng.fork(`caller/${index}`);
    const thinkMsMax = options.workload.thinkMsMax;
    const planned = this.plannedCalls?.get(callerKey(ports.node, ports.incarnation, index)) ?? (this.plannedCalls === null ? null : []);
    const recorder = this.ctx.plan?.recorder ?? null;
    let callIndex = 0;
    while (session.alive && (world.nowMs < this.workloadEndMs || this.holdOpen())) {
      let kind: OpKind;
      let count: number;
      let key: string | null;
      let plannedThinkMs: number | null = null;
      if (planned !== null) {
        const next = planned[callIndex++];
        if (next === undefined) return;
        ({ kind, count, key } = next);
        plannedThinkMs = next.thinkMs;
      } else ({ kind, count, key } = this.pickOp(rng));
      const op = history.invoke(session, kind, count, key, world.nowMs);
      ports.trace('op.invoke', { op: op.id, kind, count, key, requestId: op.requestId });
      const recorded = recorder?.op(ports.node, ports.incarnation, index, { kind, count, key, thinkMs: 0 });
      await this.call(ports, client, op);
      const thinkMs = plannedThinkMs ?? (thinkMsMax === 0 ? 0 : rng.int(0, thinkMsMax));
      if (recorded !== undefined) recorded.thinkMs = thinkMs;
      // A call that ended at the instant it began (refused before any I/O) must not spin.
      if (thinkMs > 0 || op.completeMs === op.invokeMs) await sleep(ports.clock, Math.max(thinkMs, 1));
    }
  }

  private async call(ports: NodePorts, client: TsoClient, op: Op): Promise<void> {
    const { world, history, checker } = this.ctx;
    try {
      switch (op.kind) {
        case 'getTs': {
          const ts = await client.getTs();
          history.completeTs(op, ts, ts, world.nowMs);
          ports.trace('op.ok', { op: op.id, ts });
          return;
        }
        case 'getTsBatch': {
          const batch = await client.getTsBatch(op.count);
          history.completeTs(op, batch.first, batch.last, world.nowMs);
          ports.trace('op.ok', { op: op.id, first: batch.first, count: batch.count });
          return;
        }
        case 'getSeq': {
          const block = await client.getSeq(op.key as string, op.count);
          history.completeSeq(op, block.key, block.start, block.count, world.nowMs);
          ports.trace('op.ok', { op: op.id, start: block.start, count: block.count });
          return;
        }
      }
    } catch (error) {
      if (!(error instanceof TsoError)) {
        // The client library must fail calls with a TsoError; anything else is a bug in it.
        checker.report('process_failed', `${describeOp(op)} rejected with a non-TsoError: ${errorText(error)}`, { op: op.id });
        history.fail(op, 'THROWN', errorText(error), true, world.nowMs);
        return;
      }
      const details = error.details ?? {};
      const unknown = isSeqKind(op.kind) && (error.code === 'SEQ_UNCERTAIN' || (error.code === 'CLIENT_CLOSED' && details.outcomeUnknown === true));
      if (error.code === 'SEQ_UNCERTAIN' && details.requestId !== op.requestId) {
        // The client numbers its calls 1, 2, 3...; a call numbered otherwise means ids went to
        // something else than calls (a retry under a new id).
        checker.report(
          'seq_call_request_id_unexpected',
          `${describeOp(op)}: the client gave this call request id ${String(details.requestId)}, but it is call ${String(op.requestId)} of its session`,
          { op: op.id },
        );
      }
      history.fail(op, error.code, error.message, unknown, world.nowMs);
      ports.trace('op.fail', { op: op.id, code: error.code, unknown });
    }
  }

  /**
   * The per-call liveness checks at the end of a run: no call is stuck, none overran its
   * deadline, and after convergence every client made progress (and, inside the envelope,
   * every call succeeded). `whyStuck` explains a call that never ended.
   */
  checkCalls(envelope: boolean, whyStuck: (op: Op) => string): void {
    const { history, checker, options } = this.ctx;
    const c = options.client;
    // The client ends a getSeq call by its deadline plus one attempt (docs/client.md). A getTs
    // caller rides a coalesced round whose deadline is its latest caller's, so it can end up to
    // one more overall timeout (plus an attempt) late: the bound the implementation keeps.
    const seqBoundMs = c.overallTimeoutMs + c.attemptTimeoutMs + DEADLINE_SLACK_MS;
    const tsBoundMs = 2 * (c.overallTimeoutMs + c.attemptTimeoutMs) + DEADLINE_SLACK_MS;
    // A session opened with its own timeouts (the long session) is held to them.
    const boundOf = (op: Op): number => {
      const own = this.sessionTimeouts.get(op.session);
      if (own === undefined) return isSeqKind(op.kind) ? seqBoundMs : tsBoundMs;
      const once = own.overallTimeoutMs + own.attemptTimeoutMs;
      return (isSeqKind(op.kind) ? once : 2 * once) + DEADLINE_SLACK_MS;
    };
    const convergedCalls = new Map<ClientSession, { calls: number; ok: number; failed: Op | null }>();
    for (const op of history.ops) {
      if (op.outcome === 'pending') {
        checker.report('liveness_call_stuck', `${describeOp(op)} never ended: ${whyStuck(op)}`, { op: op.id });
        continue;
      }
      const boundMs = boundOf(op);
      if (op.code !== 'CLIENT_CRASHED' && (op.completeMs as number) - op.invokeMs > boundMs) {
        checker.report('call_overran_deadline', `${describeOp(op)} took ${(op.completeMs as number) - op.invokeMs} ms (bound ${boundMs} ms)`, { op: op.id });
      }
      if (op.phase !== 'converged' || op.code === UNIMPLEMENTED_CODE) continue;
      const tally = convergedCalls.get(op.session) ?? { calls: 0, ok: 0, failed: null };
      convergedCalls.set(op.session, tally);
      tally.calls++;
      if (op.outcome === 'ok') tally.ok++;
      else {
        tally.failed ??= op;
        if (envelope) checker.report('liveness_call_failed', `${describeOp(op)} failed after the run converged: ${op.message ?? ''}`, { op: op.id });
      }
    }
    for (const call of this.services?.log.calls ?? []) {
      if (call.outcome === 'pending') {
        checker.report('liveness_call_stuck', `service call ${call.id} ${call.kind} of ${call.node} invoked t=${call.invokeMs} never ended`, { call: call.id });
      } else if (call.code !== 'CLIENT_CRASHED' && (call.completeMs as number) - call.invokeMs > seqBoundMs) {
        checker.report('call_overran_deadline', `service call ${call.id} ${call.kind} of ${call.node} took ${(call.completeMs as number) - call.invokeMs} ms (bound ${seqBoundMs} ms)`, { call: call.id });
      }
    }
    for (const [session, tally] of convergedCalls) {
      if (tally.ok === 0 && tally.failed !== null) {
        checker.report('liveness_no_progress', `none of the ${tally.calls} calls of ${session.node}#${session.incarnation} after convergence succeeded; first: ${describeOp(tally.failed)}: ${tally.failed.message ?? ''}`, {
          calls: tally.calls,
        });
      }
    }
  }

  /** The op's client's last event, for a stuck call's explanation. */
  static lastEventOf(op: Op): string {
    const last = op.session.lastEvent[isSeqKind(op.kind) ? 'getSeq' : 'getTs'];
    return last === null ? 'no client event' : `t=${last.atMs} ${describeEvent(last.event)}`;
  }
}
