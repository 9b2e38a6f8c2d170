// The stress harness's membership change: replace one node of a running raft cluster through the
// admin API (tsoracle.admin.v1.MembershipAdmin), as an operator would (docs/cluster.md): start a
// fresh node with `--join`, add it as a learner, promote it once caught up, remove an old member,
// then stop the removed process. It runs beside the chaos loop, so kills and pauses go on during it.
//
// Invariants:
//   - One replacement at a time (the Raft core refuses a second change in flight anyway).
//   - Every admin call is bounded (ADMIN_CALL_DEADLINE_MS) and every step is retried only on
//     answers that say "not now" (NOT_LEADER, NOT_CAUGHT_UP, a change in flight, a leader not
//     ready, no answer): a refusal of another kind ends the replacement and is reported as a
//     harness error with the admin's kind and message, never retried into success.
//   - The steps are idempotent on the server (add-learner of a member, remove of a stranger are
//     no-ops), so a retry after an unknown outcome (a leader killed while committing) is safe.
//   - The removed node's process is stopped only after its removal committed; it then leaves the
//     cluster's member list for good (its data directory is left to the run's cleanup).
//   - A replacement that fails before its promotion committed (the fresh node does not start, the
//     add or the promotion is refused or times out) takes its fresh node back out: the learner is
//     removed (bounded, retried like any step; a no-op when it never was a member) and its process
//     stopped, so a failed replacement leaves the membership as it found it. A learner that could
//     not be removed either is named in the error.
//   - At least one of the bootstrap nodes stays a member: the load clients were created with the
//     bootstrap endpoints and reach new members only through the leader hints they get there.

import { AdminClient, type AdminCallResult } from '../../drivers/admin/admin-client.js';
import { ADMIN_ERROR_KIND_NAMES, AdminErrorKind, type ChangeResponseWire } from '../../drivers/admin/admin-messages.js';
import { durationStats, type DurationStats } from './checkers.js';
import type { Cluster, StressNode } from './cluster.js';
import type { OpenOp, TsAckListener } from './history.js';

/** Bound on one admin call. */
export const ADMIN_CALL_DEADLINE_MS = 5_000;
/** Bound on one step (add, promote, remove), retries included: a learner catches up within it. */
export const REPLACEMENT_STEP_BOUND_MS = 60_000;
/** Pause between two tries of a step. */
export const REPLACEMENT_RETRY_MS = 100;
/** How long the removed node keeps running after its removal (it answers NOT_LEADER meanwhile). */
export const REMOVED_NODE_LINGER_MS = 500;

export type ReplacementStep = 'add_learner' | 'promote' | 'remove';

export class ReplacementError extends Error {
  constructor(
    readonly step: ReplacementStep,
    readonly kind: string,
    readonly detail: string,
  ) {
    super(`replacement step ${step}: ${kind}: ${detail}`);
    this.name = 'ReplacementError';
  }
}

/**
 * The longest time without any acknowledged timestamp inside each replacement's window (from its
 * first admin call to the removed node's stop): the unavailability a change costs the clients.
 * Sampled once per replacement.
 */
export class AckGapMeter implements TsAckListener {
  private lastAckMs: number | null = null;
  private window: { startMs: number; maxGapMs: number } | null = null;
  readonly samples: number[] = [];

  onTsAck(_op: OpenOp, _epoch: bigint | null, completeMs: number): void {
    if (this.window !== null) {
      const since = Math.max(this.window.startMs, this.lastAckMs ?? this.window.startMs);
      this.window.maxGapMs = Math.max(this.window.maxGapMs, completeMs - since);
    }
    this.lastAckMs = this.lastAckMs === null ? completeMs : Math.max(this.lastAckMs, completeMs);
  }

  open(nowMs: number): void {
    this.window = { startMs: nowMs, maxGapMs: 0 };
  }

  close(nowMs: number): void {
    const window = this.window;
    if (window === null) return;
    const since = Math.max(window.startMs, this.lastAckMs ?? window.startMs);
    this.samples.push(Math.max(window.maxGapMs, nowMs - since));
    this.window = null;
  }

  stats(): DurationStats {
    return durationStats(this.samples);
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a refused change may succeed when tried again (the cluster is busy, not wrong). */
export function isTransientRefusal(answer: ChangeResponseWire): boolean {
  if (answer.error === AdminErrorKind.NOT_LEADER || answer.error === AdminErrorKind.NOT_CAUGHT_UP || answer.error === AdminErrorKind.TIMEOUT) return true;
  return answer.error === AdminErrorKind.DRIVER && /^(MEMBERSHIP_CHANGE_IN_FLIGHT|MEMBERSHIP_LEADER_NOT_READY|DRIVER_NOT_LEADER|DRIVER_UNAVAILABLE|UNAVAILABLE|DRIVER_LEADERSHIP_LOST)/.test(answer.message);
}

/**
 * Sends one change to whichever member leads: asks the members' admin endpoints in turn until one
 * answers ok, or refuses for a reason that is not transient; bounded by `stepBoundMs`. `exclude`
 * is a node not to ask (a fresh node being taken back out knows no leader worth asking).
 */
async function changeOnLeader(
  cluster: Cluster,
  step: ReplacementStep,
  method: 'AddLearner' | 'Promote' | 'RemoveNode',
  request: unknown,
  stepBoundMs: number,
  exclude: StressNode | null = null,
): Promise<string> {
  const startMs = performance.now();
  let last = 'no member answered';
  let turn = 0;
  while (performance.now() - startMs < stepBoundMs) {
    const members = cluster.nodes.filter((n) => n !== exclude && n.state === 'up' && n.adminEndpoint !== null);
    const target = members[turn % Math.max(1, members.length)];
    turn += 1;
    if (target === undefined || target.adminEndpoint === null) {
      await sleepMs(REPLACEMENT_RETRY_MS);
      continue;
    }
    const client = new AdminClient(target.adminEndpoint);
    let answer: AdminCallResult<ChangeResponseWire>;
    try {
      answer = await client.call<ChangeResponseWire>(method, request, ADMIN_CALL_DEADLINE_MS);
    } finally {
      client.close();
    }
    if (!answer.ok) {
      last = `gRPC status ${answer.code} from node ${target.id}: ${answer.details}`;
    } else if (answer.value.ok !== 0) {
      return answer.value.message;
    } else if (!isTransientRefusal(answer.value)) {
      throw new ReplacementError(step, ADMIN_ERROR_KIND_NAMES[answer.value.error] ?? String(answer.value.error), `node ${target.id}: ${answer.value.message}`);
    } else {
      last = `${ADMIN_ERROR_KIND_NAMES[answer.value.error] ?? answer.value.error} from node ${target.id}: ${answer.value.message}`;
      // NOT_LEADER: the next member is asked at once; anything else waits a little.
      if (answer.value.error === AdminErrorKind.NOT_LEADER) continue;
    }
    await sleepMs(REPLACEMENT_RETRY_MS);
  }
  throw new ReplacementError(step, 'TIMEOUT', `not done within ${stepBoundMs} ms; last answer: ${last}`);
}

export interface ReplacementOutcome {
  readonly added: StressNode;
  readonly removed: StressNode;
  readonly tookMs: number;
}

export interface ReplaceOptions {
  /** Bound on each step, retries included (default REPLACEMENT_STEP_BOUND_MS). */
  readonly stepBoundMs?: number;
  /**
   * Runs once the fresh node serves, before it is added: what the chaos may do to a newcomer (a
   * pause, say). The tests use it to make a promotion fail for certain.
   */
  readonly beforeAdd?: (fresh: StressNode) => Promise<void> | void;
}

/**
 * Replaces `victim` by a fresh node: start it (joining), add it as a learner, promote it, remove
 * `victim`, stop `victim`'s process. Throws ReplacementError (or a node start error); when that
 * happens before the promotion committed, the fresh node has been taken back out first
 * (`withdraw`).
 */
export async function replaceNode(cluster: Cluster, victim: StressNode, log: (line: string) => void, options: ReplaceOptions = {}): Promise<ReplacementOutcome> {
  const stepBoundMs = options.stepBoundMs ?? REPLACEMENT_STEP_BOUND_MS;
  const startMs = performance.now();
  const fresh = await cluster.addJoiningNode();
  let addSent = false;
  try {
    await cluster.start(fresh);
    log(`replace: node ${fresh.id} started (joining); replacing node ${victim.id}`);
    await options.beforeAdd?.(fresh);
    const admin = fresh.adminEndpoint ?? '';
    addSent = true;
    await changeOnLeader(cluster, 'add_learner', 'AddLearner', { id: BigInt(fresh.id), raftAddr: fresh.raftEndpoint, serviceEndpoint: fresh.serviceEndpoint, adminEndpoint: admin }, stepBoundMs);
    await changeOnLeader(cluster, 'promote', 'Promote', { id: BigInt(fresh.id) }, stepBoundMs);
  } catch (e) {
    const leftover = await withdraw(cluster, fresh, addSent, stepBoundMs, log);
    if (leftover !== null && e instanceof ReplacementError) throw new ReplacementError(e.step, e.kind, `${e.detail}; and ${leftover}`);
    throw e;
  }
  await changeOnLeader(cluster, 'remove', 'RemoveNode', { id: BigInt(victim.id) }, stepBoundMs);
  // The removed node answers NOT_LEADER until it stops (a removed follower with the leader's
  // endpoint; a removed leader, having stepped down, with none).
  await sleepMs(REMOVED_NODE_LINGER_MS);
  await cluster.retire(victim);
  const tookMs = performance.now() - startMs;
  log(`replace: node ${victim.id} replaced by node ${fresh.id} in ${Math.round(tookMs)} ms`);
  return { added: fresh, removed: victim, tookMs };
}

/**
 * Takes a fresh node of a failed replacement back out: removes it from the membership when its
 * add was sent (a no-op when the add never committed), then stops its process. Returns null when
 * done, or what is left behind (a learner the cluster would not remove within the bound; its
 * process is stopped anyway).
 */
async function withdraw(cluster: Cluster, fresh: StressNode, addSent: boolean, stepBoundMs: number, log: (line: string) => void): Promise<string | null> {
  let leftover: string | null = null;
  if (addSent) {
    try {
      await changeOnLeader(cluster, 'remove', 'RemoveNode', { id: BigInt(fresh.id) }, stepBoundMs, fresh);
    } catch (e) {
      leftover = `node ${fresh.id} could not be removed after the failure (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  await cluster.retire(fresh);
  log(`replace: node ${fresh.id} withdrawn after a failed replacement${leftover === null ? '' : `: ${leftover}`}`);
  return leftover;
}
