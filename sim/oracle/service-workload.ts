// The service callers of a simulated run (issue 16): beside the getTs/getSeq callers of each
// client process, `options.services.callers` callers of their own issue the rest of the original's
// service through the same client (so the same session): getSeqBatch over the getSeq keys and a
// few keys of its own, getCurrentMaxSafe, getSafeFrontier, and stamping-lease acquire / renew /
// release by a few holders per client process, some acquires superseding the holder's lease
// with a higher holder epoch.
//
// Invariants:
//   - Off (options.services absent), nothing here runs, draws or traces: the run is
//     bit-identical to one without service callers. Under a plan (capsule-plan.ts) they run as
//     drawn: a plan holds the getTs/getSeq callers' calls only.
//   - Every draw comes from the caller's own fork of its process's stream (`service/<i>`), which
//     nothing else consumes.
//   - A getSeqBatch goes into the History (it takes the session's next request id, like getSeq,
//     and the sequence checkers judge it); the safe points and lease calls go into this
//     ServiceLog, judged by service-checkers.ts. A call never throws: it ends ok, or with a code.
//   - A holder's state (its epoch, its lease ids) belongs to the client process and survives the
//     process's restarts, as a holder that persists its epoch would.

import { TsoError } from '../../core/errors.js';
import type { TsoClient } from '../../drivers/client/index.js';
import { sleep } from '../../drivers/ports.js';
import type { NodePorts } from '../process.js';
import type { Rng } from '../random.js';
import type { World } from '../world.js';
import type { Checker } from './checkers.js';
import type { ClientSession, History, Op, Phase, SeqBatchCallEntry } from './history.js';
import type { ServiceOptions, SimOptions } from './options.js';

/** The service calls the ServiceLog records (getSeqBatch is in the History). */
export type ServiceCallKind = 'maxSafe' | 'frontier' | 'leaseAcquire' | 'leaseRenew' | 'leaseRelease';
export type ServiceOutcome = 'pending' | 'ok' | 'failed';

/** The code a getSeqBatch refused by a driver that does not serve batches ends with (no liveness demand on it). */
export const UNIMPLEMENTED_CODE = 'UNIMPLEMENTED';

/** Calls one run's ServiceLog may hold (a run that makes more is mis-sized). */
export const SERVICE_CALLS_MAX = 1_000_000;

export interface ServiceCall {
  readonly id: number;
  readonly kind: ServiceCallKind;
  readonly node: string;
  readonly invokeMs: number;
  /** Order among the History's invocations and completions (one counter, see History.tick). */
  readonly invokeOrder: number;
  readonly phase: Phase;
  /** Lease calls: the holder (acquire) and its epoch; renew / release: the lease id asked for. */
  readonly holder: string | null;
  readonly holderEpoch: bigint | null;
  readonly ttlMs: number | null;
  readonly leaseId: bigint | null;
  outcome: ServiceOutcome;
  completeMs: number | null;
  completeOrder: number | null;
  code: string | null;
  message: string | null;
  /** Safe points: the value and the answering leader's epoch (0n: not a leader). */
  physicalMs: number | null;
  epoch: bigint | null;
  /** Acquire / renew answers. */
  answeredLeaseId: bigint | null;
  tsUpperBoundMs: number | null;
  expiresAtMs: number | null;
}

/** Observes service calls as they end (service-checkers.ts). */
export interface ServiceObserver {
  onServiceInvoke(call: ServiceCall): void;
  onServiceComplete(call: ServiceCall): void;
}

export class ServiceLog {
  readonly calls: ServiceCall[] = [];
  observer: ServiceObserver | null = null;

  constructor(private readonly history: History) {}

  invoke(kind: ServiceCallKind, node: string, nowMs: number, fields: { holder?: string; holderEpoch?: bigint; ttlMs?: number; leaseId?: bigint } = {}): ServiceCall {
    if (this.calls.length >= SERVICE_CALLS_MAX) throw new RangeError(`more than ${SERVICE_CALLS_MAX} service calls in one run`);
    const call: ServiceCall = {
      id: this.calls.length,
      kind,
      node,
      invokeMs: nowMs,
      invokeOrder: this.history.callBegan(),
      phase: this.history.phase,
      holder: fields.holder ?? null,
      holderEpoch: fields.holderEpoch ?? null,
      ttlMs: fields.ttlMs ?? null,
      leaseId: fields.leaseId ?? null,
      outcome: 'pending',
      completeMs: null,
      completeOrder: null,
      code: null,
      message: null,
      physicalMs: null,
      epoch: null,
      answeredLeaseId: null,
      tsUpperBoundMs: null,
      expiresAtMs: null,
    };
    this.calls.push(call);
    this.observer?.onServiceInvoke(call);
    return call;
  }

  private end(call: ServiceCall, outcome: Exclude<ServiceOutcome, 'pending'>, nowMs: number): boolean {
    if (call.outcome !== 'pending') return false;
    call.outcome = outcome;
    call.completeMs = nowMs;
    call.completeOrder = this.history.callEnded();
    return true;
  }

  completeSafePoint(call: ServiceCall, physicalMs: number, epoch: bigint, nowMs: number): void {
    if (!this.end(call, 'ok', nowMs)) return;
    call.physicalMs = physicalMs;
    call.epoch = epoch;
    this.observer?.onServiceComplete(call);
  }

  completeLease(call: ServiceCall, lease: { readonly leaseId: bigint; readonly tsUpperBoundMs: number; readonly expiresAtMs: number; readonly epoch: bigint } | null, nowMs: number): void {
    if (!this.end(call, 'ok', nowMs)) return;
    if (lease !== null) {
      call.answeredLeaseId = lease.leaseId;
      call.tsUpperBoundMs = lease.tsUpperBoundMs;
      call.expiresAtMs = lease.expiresAtMs;
      call.epoch = lease.epoch;
    }
    this.observer?.onServiceComplete(call);
  }

  fail(call: ServiceCall, code: string, message: string, nowMs: number): void {
    if (!this.end(call, 'failed', nowMs)) return;
    call.code = code;
    call.message = message;
    this.observer?.onServiceComplete(call);
  }

  /** The client process died: its service calls in flight end failed (CLIENT_CRASHED). */
  clientLost(node: string, nowMs: number): void {
    for (const call of this.calls) if (call.node === node && call.outcome === 'pending') this.fail(call, 'CLIENT_CRASHED', 'the client process died during the call', nowMs);
  }
}

/** One caller's one-line description of a service call, for violation messages. */
export function describeServiceCall(call: ServiceCall): string {
  const what =
    call.kind === 'leaseAcquire'
      ? `acquireLease(${call.holder ?? ''}, epoch ${String(call.holderEpoch)}, ttl ${String(call.ttlMs)} ms)`
      : call.kind === 'leaseRenew'
        ? `renewLease(${String(call.leaseId)})`
        : call.kind === 'leaseRelease'
          ? `releaseLease(${String(call.leaseId)})`
          : call.kind === 'maxSafe'
            ? 'getCurrentMaxSafe()'
            : 'getSafeFrontier()';
  const result =
    call.outcome === 'ok'
      ? call.physicalMs !== null
        ? `${call.physicalMs} (epoch ${String(call.epoch)})`
        : call.answeredLeaseId !== null
          ? `lease ${call.answeredLeaseId} bound ${String(call.tsUpperBoundMs)} expires ${String(call.expiresAtMs)}`
          : 'ok'
      : call.outcome === 'pending'
        ? 'pending'
        : `failed ${call.code ?? ''}`;
  const ended = call.completeMs === null ? '' : `, ended t=${call.completeMs}`;
  return `service call ${call.id} ${call.node} ${what} invoked t=${call.invokeMs}${ended} → ${result}`;
}

/** A holder of one client process: its name, its epoch, the lease ids it was answered. */
interface Holder {
  readonly name: string;
  readonly bytes: Uint8Array;
  epoch: bigint;
  readonly leaseIds: bigint[];
}

export interface ServiceWorkloadContext {
  readonly world: World;
  readonly history: History;
  readonly checker: Checker;
  readonly options: SimOptions;
}

/** The service callers of every client process of a run. */
export class ServiceWorkload {
  readonly log: ServiceLog;
  private readonly holdersByNode = new Map<string, Holder[]>();
  /** False once the server answered a getSeqBatch UNIMPLEMENTED (a driver without batches): no more are issued. */
  private batchesServed = true;

  constructor(
    private readonly ctx: ServiceWorkloadContext,
    private readonly services: ServiceOptions,
  ) {
    this.log = new ServiceLog(ctx.history);
  }

  /** Starts this process's service callers on its client; `calling()` says when to stop. */
  start(ports: NodePorts, client: TsoClient, session: ClientSession, calling: () => boolean): void {
    for (let i = 0; i < this.services.callers; i++) {
      this.caller(ports, client, session, i, calling).catch((error: unknown) =>
        this.ctx.checker.report('process_failed', `harness service caller failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  }

  private holdersOf(node: string): Holder[] {
    let holders = this.holdersByNode.get(node);
    if (holders === undefined) {
      holders = Array.from({ length: this.services.holders }, (_, j) => {
        const name = `${node}-h${j}`;
        return { name, bytes: new TextEncoder().encode(name), epoch: 1n, leaseIds: [] };
      });
      this.holdersByNode.set(node, holders);
    }
    return holders;
  }

  private async caller(ports: NodePorts, client: TsoClient, session: ClientSession, index: number, calling: () => boolean): Promise<void> {
    const rng = ports.rng.fork(`service/${index}`);
    const thinkMsMax = this.ctx.options.workload.thinkMsMax;
    while (session.alive && calling()) {
      const startMs = this.ctx.world.nowMs;
      await this.oneCall(ports, client, session, rng);
      const thinkMs = thinkMsMax === 0 ? 0 : rng.int(0, thinkMsMax);
      // A call that ended at the instant it began (refused before any I/O) must not spin.
      if (thinkMs > 0 || this.ctx.world.nowMs === startMs) await sleep(ports.clock, Math.max(thinkMs, 1));
    }
  }

  private async oneCall(ports: NodePorts, client: TsoClient, session: ClientSession, rng: Rng): Promise<void> {
    const w = this.services.weights;
    const r = rng.int(0, w.getSeqBatch + w.maxSafe + w.frontier + w.lease - 1);
    if (r < w.getSeqBatch) return this.batchesServed ? this.seqBatch(ports, client, session, rng) : this.safePoint(ports, client, 'maxSafe');
    if (r < w.getSeqBatch + w.maxSafe) return this.safePoint(ports, client, 'maxSafe');
    if (r < w.getSeqBatch + w.maxSafe + w.frontier) return this.safePoint(ports, client, 'frontier');
    return this.lease(ports, client, rng);
  }

  /** A batch of distinct keys (the getSeq keys and the batches' own), in a drawn order. */
  private async seqBatch(ports: NodePorts, client: TsoClient, session: ClientSession, rng: Rng): Promise<void> {
    const { history, world, checker } = this.ctx;
    const keys = [...Array.from({ length: this.ctx.options.workload.seqKeys }, (_, i) => `key-${i + 1}`), ...Array.from({ length: this.services.batchExtraKeys }, (_, i) => `batch-key-${i + 1}`)];
    const size = rng.int(1, Math.min(this.services.batchKeysMax, keys.length));
    const entries: SeqBatchCallEntry[] = [];
    for (let i = 0; i < size; i++) {
      const key = keys.splice(rng.int(0, keys.length - 1), 1)[0] as string;
      entries.push({ key, count: rng.int(1, this.services.batchCountMax) });
    }
    const first = entries[0] as SeqBatchCallEntry;
    const op = history.invoke(session, 'getSeqBatch', first.count, first.key, world.nowMs, entries);
    ports.trace('op.invoke', { op: op.id, kind: op.kind, entries: entries.map((e) => `${e.key}=${e.count}`).join(' '), requestId: op.requestId });
    try {
      const batch = await client.getSeqBatch(entries);
      history.completeSeqBatch(op, batch.blocks.map((b) => ({ key: b.key, start: b.start, count: b.count })), world.nowMs);
      ports.trace('op.ok', { op: op.id, starts: batch.blocks.map((b) => b.start.toString()).join(' ') });
    } catch (error) {
      this.failOp(ports, op, error, checker);
    }
  }

  private failOp(ports: NodePorts, op: Op, error: unknown, checker: Checker): void {
    const { history, world } = this.ctx;
    if (!(error instanceof TsoError)) {
      checker.report('process_failed', `getSeqBatch rejected with a non-TsoError: ${error instanceof Error ? error.message : String(error)}`, { op: op.id });
      history.fail(op, 'THROWN', String(error), true, world.nowMs);
      return;
    }
    const details = error.details ?? {};
    const unknown = error.code === 'SEQ_UNCERTAIN' || (error.code === 'CLIENT_CLOSED' && details.outcomeUnknown === true);
    if (error.code === 'INVALID_ARGUMENT' && error.message.includes('UNIMPLEMENTED:')) {
      // A driver that does not serve batches (documented): nothing moved, and no liveness demand.
      this.batchesServed = false;
      history.fail(op, UNIMPLEMENTED_CODE, error.message, false, world.nowMs);
      ports.trace('op.fail', { op: op.id, code: UNIMPLEMENTED_CODE, unknown: false });
      return;
    }
    history.fail(op, error.code, error.message, unknown, world.nowMs);
    ports.trace('op.fail', { op: op.id, code: error.code, unknown });
  }

  private async safePoint(ports: NodePorts, client: TsoClient, kind: 'maxSafe' | 'frontier'): Promise<void> {
    const { world } = this.ctx;
    const call = this.log.invoke(kind, ports.node, world.nowMs);
    ports.trace('service.invoke', { call: call.id, kind });
    try {
      const point = kind === 'maxSafe' ? await client.getCurrentMaxSafe() : await client.getSafeFrontier();
      this.log.completeSafePoint(call, point.physicalMs, point.epoch, world.nowMs);
      ports.trace('service.ok', { call: call.id, physicalMs: point.physicalMs, epoch: point.epoch });
    } catch (error) {
      this.failCall(ports, call, error);
    }
  }

  /** Acquire (maybe superseding), renew or release, for one of this process's holders. */
  private async lease(ports: NodePorts, client: TsoClient, rng: Rng): Promise<void> {
    const { world } = this.ctx;
    const holders = this.holdersOf(ports.node);
    const holder = holders[rng.int(0, holders.length - 1)] as Holder;
    const r = rng.int(0, 9);
    const leaseId = holder.leaseIds.length === 0 ? null : (holder.leaseIds[rng.int(0, holder.leaseIds.length - 1)] as bigint);
    if (leaseId === null || r < 4) {
      if (holder.leaseIds.length > 0 && rng.ratio(this.services.supersede)) holder.epoch += 1n;
      const ttlMs = rng.pick(this.services.ttlChoicesMs);
      const call = this.log.invoke('leaseAcquire', ports.node, world.nowMs, { holder: holder.name, holderEpoch: holder.epoch, ttlMs });
      ports.trace('service.invoke', { call: call.id, kind: call.kind, holder: holder.name, holderEpoch: holder.epoch, ttlMs });
      try {
        const lease = await client.acquireLease(holder.bytes, holder.epoch, ttlMs);
        if (!holder.leaseIds.includes(lease.leaseId)) holder.leaseIds.push(lease.leaseId);
        this.log.completeLease(call, lease, world.nowMs);
        ports.trace('service.ok', { call: call.id, leaseId: lease.leaseId, boundMs: lease.tsUpperBoundMs });
      } catch (error) {
        this.failCall(ports, call, error);
      }
      return;
    }
    if (r < 9) {
      const call = this.log.invoke('leaseRenew', ports.node, world.nowMs, { leaseId });
      ports.trace('service.invoke', { call: call.id, kind: call.kind, leaseId });
      try {
        const lease = await client.renewLease(leaseId);
        this.log.completeLease(call, lease, world.nowMs);
        ports.trace('service.ok', { call: call.id, leaseId: lease.leaseId, boundMs: lease.tsUpperBoundMs });
      } catch (error) {
        this.failCall(ports, call, error);
      }
      return;
    }
    const call = this.log.invoke('leaseRelease', ports.node, world.nowMs, { leaseId });
    ports.trace('service.invoke', { call: call.id, kind: call.kind, leaseId });
    try {
      await client.releaseLease(leaseId);
      const at = holder.leaseIds.indexOf(leaseId);
      if (at >= 0) holder.leaseIds.splice(at, 1);
      this.log.completeLease(call, null, world.nowMs);
      ports.trace('service.ok', { call: call.id });
    } catch (error) {
      this.failCall(ports, call, error);
    }
  }

  private failCall(ports: NodePorts, call: ServiceCall, error: unknown): void {
    if (!(error instanceof TsoError)) {
      this.ctx.checker.report('process_failed', `${describeServiceCall(call)} rejected with a non-TsoError: ${error instanceof Error ? error.message : String(error)}`);
      this.log.fail(call, 'THROWN', String(error), this.ctx.world.nowMs);
      return;
    }
    this.log.fail(call, error.code, error.message, this.ctx.world.nowMs);
    ports.trace('service.fail', { call: call.id, code: error.code });
  }
}
