// The chaos loop: every ~interval (drawn in [0.5, 1.5] × interval from the seeded PRNG) one
// action on the cluster, chosen with integer weights among those possible right now:
//   - kill_leader: kill -9 the node whose /readyz answers 200; restart it after a drawn delay;
//   - pause_leader: SIGSTOP the leader for longer than its lease, then SIGCONT. While it is
//     stopped, a "pinned" client that knows only the old leader's endpoint sends getTs calls
//     (they wait in the kernel's socket buffer); once a new leader has served, the old leader is
//     resumed and the pinned client asks again at once. Every pinned call is recorded in the same
//     history, so the real-time checker proves the old leader never answers below a timestamp
//     the new leader already gave (DESIGN.md, "No stale leader");
//   - kill_follower: kill -9 a node that is not the leader; restart it after a drawn delay;
//   - replace_node (with `replacements`, raft only): replace a member, the leader included, by a
//     fresh node through the admin API (runners/stress/replacement.ts). It runs in the background,
//     so the next actions (kills, pauses) hit the cluster while the change is under way; one
//     replacement at a time, and one bootstrap node always stays (the load clients know only
//     the bootstrap endpoints and follow leader hints from there).
// Restarting killed nodes is the fifth action (counted as `restart`).
//
// Invariants:
//   - At most `faultBudget` nodes are down or paused at once (a minority: 1 of 3, 2 of 5), so a
//     quorum always remains and every leader loss is followed by a recovery.
//   - Before a leader action, the previous leader loss has recovered (or was given up after
//     RECOVERY_BOUND_MS and reported as `no_recovery`), so each unavailability sample stands alone.
//   - During each leader action, a "witness" client without the victim's endpoint (and with a
//     short attempt timeout, since followers' hints point at the stopped leader until they elect
//     another) asks for timestamps, so the cluster's recovery is seen as soon as it serves again;
//     the load clients' own recovery, with the default retry policy, is measured apart.

import { mkdir, rm } from 'node:fs/promises';
import { createClient, type ClientEvent, type TsoClient } from '../client.js';
import { NodeStartError, type Cluster, type StressNode } from './cluster.js';
import type { StressHistory } from './history.js';
import { recordedGetTs } from './load.js';
import { replaceNode, ReplacementError, type AckGapMeter } from './replacement.js';
import type { UnavailabilityTracker } from './unavailability.js';

export type ChaosActionKind = 'kill_leader' | 'pause_leader' | 'kill_follower' | 'replace_node' | 'restart';
export const CHAOS_ACTION_KINDS: readonly ChaosActionKind[] = ['kill_leader', 'pause_leader', 'kill_follower', 'replace_node', 'restart'];

/** Integer weights of the actions (restarts are scheduled, not drawn; replace_node only with `replacements`). */
export const CHAOS_WEIGHTS: Readonly<Record<Exclude<ChaosActionKind, 'restart'>, number>> = { kill_leader: 4, pause_leader: 3, kill_follower: 3, replace_node: 2 };
/** A stopped leader stays stopped at least this long: several times the default lease (284 ms). */
export const PAUSE_MS_MIN = 1_000;
export const PAUSE_MS_MAX = 2_000;
export const RESTART_DELAY_MS_MIN = 200;
export const RESTART_DELAY_MS_MAX = 2_000;
/** Bound on the wait for a recovery (a serving leader) after an action. */
export const RECOVERY_BOUND_MS = 30_000;
/** Bound on finding the leader before a leader action. */
export const FIND_LEADER_BOUND_MS = 5_000;
/** The witness's bound on one attempt (a loaded leader answers in a few ms). */
export const WITNESS_ATTEMPT_TIMEOUT_MS = 300;
/** Pinned getTs calls sent while the old leader is stopped, and right after it resumes. */
export const PINNED_CALLS_DURING_PAUSE = 2;
export const PINNED_CALLS_AFTER_RESUME = 4;

export interface PinnedStats {
  /** Pinned calls made. */
  calls: number;
  /** Answers the resumed old leader gave with timestamps (checked like every other call). */
  oldLeaderOk: number;
  /** Answers the resumed old leader gave with an error code (NOT_LEADER, UNAVAILABLE...). */
  oldLeaderRefused: number;
  /** Pinned calls that got timestamps (from the old leader or through its redirect). */
  acknowledged: number;
}

export interface ChaosOptions {
  readonly cluster: Cluster;
  readonly history: StressHistory;
  /** The cluster's unavailability (any client's acknowledgement ends a loss). */
  readonly tracker: UnavailabilityTracker;
  /** The load clients' unavailability (only their acknowledgements count). */
  readonly loadTracker: UnavailabilityTracker;
  readonly random: () => number;
  readonly intervalMs: number;
  readonly log: (line: string) => void;
  /** Positive control: wipe a killed node's data directory before its restart. */
  readonly wipeOnRestart: boolean;
  /** Draw replace_node actions (raft with admin endpoints); their gaps go to this meter. Null: none. */
  readonly replacements: AckGapMeter | null;
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function drawInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * A node that exits by itself while starting (after a kill -9: say, its WAL does not replay) is a
 * bug of the node; a start that times out or cannot get its port is the harness's problem.
 */
export function reportStartFailure(history: StressHistory, e: unknown): void {
  if (e instanceof NodeStartError && e.reason === 'exited') history.violations.report('node_crashed', e.message);
  else history.violations.report('harness_error', e instanceof Error ? e.message : String(e));
}

export class Chaos {
  readonly counts: Record<ChaosActionKind, number> = { kill_leader: 0, pause_leader: 0, kill_follower: 0, replace_node: 0, restart: 0 };
  /** Replacements that finished (counts.replace_node counts those started). */
  replacementsDone = 0;
  /** How long each finished replacement took, start to the removed node's stop. */
  readonly replacementMs: number[] = [];
  private replacement: Promise<void> | null = null;
  /** Times an action was due but none was possible (no leader found, fault budget used). */
  skipped = 0;
  readonly pinned: PinnedStats = { calls: 0, oldLeaderOk: 0, oldLeaderRefused: 0, acknowledged: 0 };
  private readonly restarts = new Set<Promise<void>>();
  private pinnedSerial = 0;
  private readonly faultBudget: number;

  constructor(private readonly options: ChaosOptions) {
    const n = options.cluster.nodes.length;
    // A minority of a cluster may fail; a single node is taken down anyway (the self-test).
    this.faultBudget = Math.max(1, n - (Math.floor(n / 2) + 1));
  }

  /** Runs actions until run time `untilMs` or until `stopped()`. */
  async run(untilMs: number, stopped: () => boolean): Promise<void> {
    const { history, random, intervalMs } = this.options;
    while (!stopped()) {
      const waitMs = Math.round(intervalMs * (0.5 + random()));
      const remainingMs = untilMs - history.nowMs();
      if (remainingMs <= waitMs) {
        await this.sleepUnless(remainingMs, stopped);
        return;
      }
      await this.sleepUnless(waitMs, stopped);
      if (stopped() || history.nowMs() >= untilMs) return;
      await this.waitForRecovery(stopped);
      if (stopped()) return;
      await this.act();
    }
  }

  private async sleepUnless(ms: number, stopped: () => boolean): Promise<void> {
    const endMs = this.options.history.nowMs() + ms;
    while (!stopped() && this.options.history.nowMs() < endMs) await sleepMs(Math.min(100, endMs - this.options.history.nowMs()));
  }

  /** Waits until no leader loss is pending; past the bound, gives up on it (no_recovery). */
  private async waitForRecovery(stopped: () => boolean): Promise<void> {
    const { tracker, history } = this.options;
    while (tracker.pendingCount > 0 && !stopped()) {
      const since = tracker.oldestPendingMs;
      if (since !== null && history.nowMs() - since > RECOVERY_BOUND_MS) {
        history.violations.report('no_recovery', `no timestamp was served within ${RECOVERY_BOUND_MS} ms of the leader loss at t=${since.toFixed(0)} ms`);
        tracker.abandonPending();
        return;
      }
      await sleepMs(20);
    }
  }

  private pick<T extends string>(weights: ReadonlyArray<readonly [T, number]>): T | null {
    const total = weights.reduce((sum, [, w]) => sum + w, 0);
    if (total === 0) return null;
    let r = Math.floor(this.options.random() * total);
    for (const [kind, w] of weights) {
      if (r < w) return kind;
      r -= w;
    }
    return null;
  }

  private async act(): Promise<void> {
    const { cluster, random, log, history } = this.options;
    // A node still down from the last action is restarted within RESTART_DELAY_MS_MAX plus its
    // start; wait for it rather than lose the action.
    const waitStartMs = history.nowMs();
    while (cluster.unavailableCount >= this.faultBudget && history.nowMs() - waitStartMs < RECOVERY_BOUND_MS) await sleepMs(20);
    if (cluster.unavailableCount >= this.faultBudget) {
      this.skipped += 1;
      log(`chaos: ${cluster.unavailableCount} node(s) still down after ${RECOVERY_BOUND_MS} ms; action skipped`);
      return;
    }
    const leader = await cluster.findLeader(FIND_LEADER_BOUND_MS);
    const followers = cluster.nodes.filter((n) => n.state === 'up' && n !== leader);
    const replaceable = this.replacementVictims();
    const kind = this.pick<Exclude<ChaosActionKind, 'restart'>>([
      ['kill_leader', leader === null ? 0 : CHAOS_WEIGHTS.kill_leader],
      ['pause_leader', leader === null ? 0 : CHAOS_WEIGHTS.pause_leader],
      ['kill_follower', leader === null || followers.length === 0 ? 0 : CHAOS_WEIGHTS.kill_follower],
      ['replace_node', leader === null || this.replacement !== null || replaceable.length === 0 ? 0 : CHAOS_WEIGHTS.replace_node],
    ]);
    if (kind === null || leader === null) {
      this.skipped += 1;
      log(`chaos: no leader found within ${FIND_LEADER_BOUND_MS} ms; action skipped`);
      return;
    }
    switch (kind) {
      case 'kill_leader':
        await this.killLeader(leader);
        return;
      case 'pause_leader':
        await this.pauseLeader(leader);
        return;
      case 'kill_follower': {
        const victim = followers[Math.floor(random() * followers.length)];
        if (victim !== undefined) await this.kill(victim, 'kill_follower');
        return;
      }
      case 'replace_node': {
        const victim = replaceable[Math.floor(random() * replaceable.length)];
        if (victim !== undefined) this.startReplacement(victim);
        return;
      }
    }
  }

  /** Members a replacement may remove: any, except the last bootstrap one. */
  private replacementVictims(): StressNode[] {
    if (this.options.replacements === null) return [];
    const members = this.options.cluster.nodes;
    const bootstrap = members.filter((n) => !n.joining);
    return members.filter((n) => n.joining || bootstrap.length > 1);
  }

  /** Starts a replacement of `victim` in the background (heal() waits for it). */
  private startReplacement(victim: StressNode): void {
    const { cluster, history, log } = this.options;
    const meter = this.options.replacements;
    if (meter === null) return;
    this.counts.replace_node += 1;
    log(`chaos t=${(history.nowMs() / 1000).toFixed(1)}s: replace_node node ${victim.id}`);
    meter.open(history.nowMs());
    this.replacement = (async () => {
      try {
        const outcome = await replaceNode(cluster, victim, log);
        this.replacementsDone += 1;
        this.replacementMs.push(outcome.tookMs);
      } catch (e) {
        if (e instanceof ReplacementError) history.violations.report('membership_change_failed', e.message);
        else reportStartFailure(history, e);
      } finally {
        meter.close(history.nowMs());
        this.replacement = null;
      }
    })();
  }

  private async kill(node: StressNode, kind: 'kill_leader' | 'kill_follower'): Promise<void> {
    const { cluster, history, random, log } = this.options;
    await cluster.kill9(node);
    this.counts[kind] += 1;
    const delayMs = drawInt(random, RESTART_DELAY_MS_MIN, RESTART_DELAY_MS_MAX);
    log(`chaos t=${(history.nowMs() / 1000).toFixed(1)}s: ${kind} node ${node.id}; restart in ${delayMs} ms`);
    this.restartAfter(node, delayMs);
  }

  /** Restarts `node` after `delayMs` (a killed node, or one that crashed by itself). */
  restartAfter(node: StressNode, delayMs: number): void {
    const restart = (async () => {
      await sleepMs(delayMs);
      await this.restart(node);
    })();
    this.restarts.add(restart);
    void restart.finally(() => this.restarts.delete(restart));
  }

  private async restart(node: StressNode): Promise<void> {
    const { cluster, history } = this.options;
    if (node.alive || node.retired) return;
    try {
      if (this.options.wipeOnRestart) {
        await rm(node.dataDir, { recursive: true, force: true });
        await mkdir(node.dataDir, { recursive: true });
        this.options.log(`chaos: wiped the data of node ${node.id} (--inject-violation wipe-data)`);
      }
      await cluster.start(node);
      this.counts.restart += 1;
    } catch (e) {
      reportStartFailure(history, e);
    }
  }

  private async killLeader(leader: StressNode): Promise<void> {
    const { history, tracker, loadTracker } = this.options;
    const epochBefore = history.maxEpoch;
    const atOrder = history.currentOrder;
    const atMs = history.nowMs();
    const witness = this.startWitness(leader, epochBefore);
    tracker.lost('kill_leader', atMs, atOrder, epochBefore);
    loadTracker.lost('kill_leader', atMs, atOrder, epochBefore);
    await this.kill(leader, 'kill_leader');
    await witness.done;
  }

  private async pauseLeader(leader: StressNode): Promise<void> {
    const { cluster, history, tracker, loadTracker, random, log } = this.options;
    const epochBefore = history.maxEpoch;
    const pauseMs = drawInt(random, PAUSE_MS_MIN, PAUSE_MS_MAX);
    const name = `pinned-${++this.pinnedSerial}`;
    cluster.pause(leader);
    tracker.lost('pause_leader', history.nowMs(), history.currentOrder, epochBefore);
    loadTracker.lost('pause_leader', history.nowMs(), history.currentOrder, epochBefore);
    this.counts.pause_leader += 1;
    log(`chaos t=${(history.nowMs() / 1000).toFixed(1)}s: pause_leader node ${leader.id} for ≥ ${pauseMs} ms`);
    const witness = this.startWitness(leader, epochBefore);
    const onEvent = (event: ClientEvent): void => {
      if (event.type !== 'answer' || event.endpoint !== leader.serviceEndpoint || event.op !== 'getTs') return;
      if (event.code === 'OK') this.pinned.oldLeaderOk += 1;
      else this.pinned.oldLeaderRefused += 1;
    };
    const pinnedClients: TsoClient[] = [];
    const calls: Array<Promise<boolean>> = [];
    // Each pinned call has its own client, so each one reaches the old leader first (a client
    // that followed a redirect would ask the new leader next).
    const pinnedCall = (): Promise<boolean> => {
      const client = createClient({
        endpoints: [leader.serviceEndpoint],
        // Long enough for calls sent during the pause to be answered after it.
        retry: { attemptsMax: 1, attemptTimeoutMs: PAUSE_MS_MAX + RECOVERY_BOUND_MS, overallTimeoutMs: PAUSE_MS_MAX + RECOVERY_BOUND_MS + 5_000 },
        onEvent,
      });
      pinnedClients.push(client);
      this.pinned.calls += 1;
      const call = recordedGetTs(history, client, name).then((ok) => {
        if (ok) this.pinned.acknowledged += 1;
        return ok;
      });
      calls.push(call);
      return call;
    };
    // Sent into the stopped process's socket buffer: read by it the moment it resumes.
    for (let i = 0; i < PINNED_CALLS_DURING_PAUSE; i += 1) void pinnedCall();
    const startMs = history.nowMs();
    await sleepMs(pauseMs);
    // Resume only once a newer leader served (bounded), so the calls below are invoked after it
    // gave timestamps: those are what the old leader must not go below.
    await Promise.race([witness.served, sleepMs(RECOVERY_BOUND_MS - (history.nowMs() - startMs))]);
    cluster.resume(leader);
    log(`chaos t=${(history.nowMs() / 1000).toFixed(1)}s: resumed node ${leader.id}`);
    // Right after SIGCONT, all at once: the moment a stale leader would still think it leads.
    for (let i = 0; i < PINNED_CALLS_AFTER_RESUME; i += 1) void pinnedCall();
    await Promise.all(calls);
    await Promise.all(pinnedClients.map((c) => c.close()));
    await witness.done;
  }

  /**
   * A client without `victim`'s endpoint asking for timestamps until one comes from a leader
   * newer than `epochBefore` (or the bound passes). `served` resolves at that moment.
   */
  private startWitness(victim: StressNode, epochBefore: bigint): { readonly served: Promise<void>; readonly done: Promise<void> } {
    const { cluster, history } = this.options;
    const endpoints = cluster.nodes.filter((n) => n !== victim).map((n) => n.serviceEndpoint);
    if (endpoints.length === 0) {
      // A single node: nobody else can serve (recovery is its restart or its resumption).
      return { served: Promise.resolve(), done: Promise.resolve() };
    }
    let markServed: () => void = () => {};
    const served = new Promise<void>((resolve) => {
      markServed = resolve;
    });
    // A short attempt timeout and backoff: following a stale hint to the stopped leader costs at
    // most WITNESS_ATTEMPT_TIMEOUT_MS, so the witness is served within about that much of the
    // moment the new leader starts serving.
    const client: TsoClient = createClient({
      endpoints,
      retry: { attemptTimeoutMs: WITNESS_ATTEMPT_TIMEOUT_MS, attemptsMax: 10_000, overallTimeoutMs: RECOVERY_BOUND_MS, backoffBaseMs: 10, backoffCapMs: 50 },
    });
    const name = `witness-${this.pinnedSerial}-${history.currentOrder}`;
    const done = (async () => {
      const startMs = history.nowMs();
      while (history.nowMs() - startMs < RECOVERY_BOUND_MS) {
        await recordedGetTs(history, client, name);
        const epoch = client.cachedLeader()?.epoch ?? null;
        if (epoch !== null && epoch > epochBefore) break;
        await sleepMs(10);
      }
      markServed();
      await client.close();
    })();
    return { served, done };
  }

  /** Ends the faults: resumes paused nodes, waits for scheduled restarts, starts every node still down. */
  async heal(): Promise<void> {
    const { cluster } = this.options;
    for (const node of cluster.nodes) if (node.state === 'paused') cluster.resume(node);
    await Promise.all([...this.restarts]);
    // A replacement under way finishes on the healing cluster (each of its steps is bounded).
    await this.replacement;
    await Promise.all([...this.restarts]);
    for (const node of cluster.nodes) if (!node.alive) await this.restart(node);
  }
}
