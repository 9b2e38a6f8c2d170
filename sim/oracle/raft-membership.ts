// The membership nemesis of a cluster run (options.membership; raft driver only): an operator
// that grows, shrinks and replaces the cluster while every other fault family runs.
//
// It acts as an operator with the admin API would: each step calls the leader's
// `RaftDriver.changeMembership` (what `tsoracle admin add-learner|promote|remove` reaches through
// the admin service), reads the membership the leader has in effect, and retries what a busy
// leader refuses (MEMBERSHIP_CHANGE_IN_FLIGHT, NOT_CAUGHT_UP, LEADER_NOT_READY, NOT_LEADER). A
// plan is one of: grow (add a learner, promote it), shrink (remove a follower, or the leader),
// replace (add, promote, remove a follower or the leader), learner only (add one, remove it).
// Added nodes take fresh ids (n{nodes+1}..) and start empty, as `serve raft --join` does; a
// removed node keeps running for a drawn while (answering clients with hints) and is then shut
// down for good, as an operator decommissions it, once the leader's membership without it has
// committed. Clients are never told of new members: they reach them through leader hints.
//
// Invariants the operator keeps (what an operator is told to keep, not what the product needs):
//   - voters stay within [max(2, nodes - 1), nodes + 1];
//   - at least one bootstrap node stays a voter (the clients' configured endpoints);
//   - one plan at a time; each step waits for the previous one's answer, unless the seed's
//     operator is hasty (`hasty`: the next step goes out at once, and again right after each
//     election; the leader must refuse what it may not take yet).
// Every step is drawn from the run's own `nemesis/membership` stream; nothing else draws from it.
//
// Right after a leader accepts a change, its log is checked against the rules that keep two
// quorums from deciding apart (raft-checkers.ts configChangeProblem).

import { isVoter, learnersOf, memberOf, type MemberAddresses, type MembershipChange, votersOf } from '../../core/raft/index.js';
import type { RaftDriver } from '../../drivers/raft/raft-driver.js';
import type { Rng } from '../random.js';
import type { World } from '../world.js';
import { MEMBERSHIP_PLAN_KINDS, type MembershipPlanKind, type MembershipRunOptions } from './options.js';
import { configChangeProblem } from './raft-checkers.js';

/** What the operator may see and do in the run (raft-run.ts). */
export interface MembershipHost {
  readonly world: World;
  /** The bootstrap voters' names, n1..n{nodes}, in id order. */
  readonly bootstrap: readonly string[];
  /** The fresh nodes the operator may add, n{nodes+1}.., in id order. */
  readonly spares: readonly string[];
  /** The running (not paused) node leading the highest term, with its driver; null when none. */
  leader(): { readonly name: string; readonly driver: RaftDriver } | null;
  /** A spare joins: its process starts on its empty disk and is supervised from now on. */
  bringUp(name: string): void;
  /** A removed node is shut down and never restarted. */
  decommission(name: string): void;
  /** The faults still run (the safety phase): new plans start only then. */
  inSafety(): boolean;
  /** The addresses a membership change carries for `name`. */
  addressesOf(name: string): MemberAddresses;
  /** A broken configuration rule (a safety violation). */
  report(message: string, details: Record<string, string | number>): void;
}

type Step =
  | { readonly kind: 'add'; readonly name: string }
  | { readonly kind: 'promote'; readonly name: string }
  | { kind: 'remove'; target: 'leader' | 'follower' | string };

export interface MembershipStats {
  /** Plans started, by kind. */
  readonly plans: Partial<Record<MembershipPlanKind, number>>;
  /** Changes a leader accepted and committed (answered ok with an index). */
  changesCommitted: number;
  /** Refusals by code (retried). */
  readonly refusals: Record<string, number>;
  /** Removed nodes shut down. */
  decommissioned: number;
}

const idOf = (name: string): number => Number(name.slice(1));

/** How long the operator waits for a change's answer before it looks again (an admin call's deadline). */
const ANSWER_TIMEOUT_MS = 2_000;

export class MembershipNemesis {
  private plan: Step[] = [];
  private plansStarted = 0;
  /** A change sent and not answered yet: its number, and until when the operator waits. */
  private sent = 0;
  private awaitingUntilMs: number | null = null;
  private readonly joined = new Set<string>();
  /** A spare brought up whose add-learner has not been seen in the leader's membership yet. */
  private adding: string | null = null;
  private readonly retiring = new Set<string>();
  readonly stats: MembershipStats = { plans: {}, changesCommitted: 0, refusals: {}, decommissioned: 0 };

  constructor(
    private readonly host: MembershipHost,
    private readonly options: MembershipRunOptions,
    private readonly rng: Rng,
  ) {}

  /** Starts the operator's ticks. */
  start(): void {
    this.schedule();
  }

  private schedule(): void {
    this.host.world.after(this.rng.int(this.options.gapMs[0], this.options.gapMs[1]), () => this.tick(), 'nemesis.membership');
  }

  /**
   * A node won an election: a hasty operator's next step goes to it at once, before its term's
   * first entry can have committed (where a change must be refused: the 2015 bug).
   */
  onLeaderElected(): void {
    if (this.options.hasty && this.host.inSafety()) this.host.world.after(0, () => void this.step(), 'nemesis.membership_at_election');
  }

  private tick(): void {
    const more = this.step();
    if (more) this.schedule();
  }

  /** One step of the operator; false once there is nothing left to do (liveness, all removed nodes shut down). */
  private step(): boolean {
    const leader = this.host.leader();
    if (leader === null) return true;
    const status = leader.driver.status();
    const membership = status.membership;
    const committed = status.membershipIndex <= status.commit;
    let retireWork = false;
    for (const name of [...this.host.bootstrap, ...this.joined]) {
      if (this.retiring.has(name) || name === this.adding || memberOf(membership, idOf(name)) !== undefined) continue;
      if (!committed) {
        retireWork = true;
        continue;
      }
      this.retiring.add(name);
      const afterMs = this.rng.int(this.options.decommissionAfterMs[0], this.options.decommissionAfterMs[1]);
      this.host.world.record('nemesis', { family: 'membership', action: 'decommission', node: name, afterMs });
      this.host.world.after(afterMs, () => {
        this.stats.decommissioned++;
        this.host.decommission(name);
      }, 'nemesis.membership_decommission');
    }
    if (!this.host.inSafety()) {
      // No new changes once the faults stop; an unfinished add leaves a node nobody added.
      this.plan = [];
      this.adding = null;
      return retireWork || !committed;
    }
    if (this.awaitingUntilMs !== null && !this.options.hasty && this.host.world.nowMs < this.awaitingUntilMs) return true;
    if (this.plan.length === 0) {
      if (this.plansStarted >= this.options.budget) return true;
      this.plan = this.drawPlan(leader.name, votersOf(membership), learnersOf(membership));
      if (this.plan.length === 0) return true;
      this.plansStarted++;
    }
    const step = this.plan[0] as Step;
    switch (step.kind) {
      case 'add': {
        if (memberOf(membership, idOf(step.name)) !== undefined) {
          this.adding = null;
          this.plan.shift();
          return true;
        }
        if (!this.joined.has(step.name)) {
          this.joined.add(step.name);
          this.adding = step.name;
          this.host.bringUp(step.name);
        }
        this.send(leader, { type: 'add-learner', id: idOf(step.name), addresses: this.host.addressesOf(step.name) });
        return true;
      }
      case 'promote': {
        if (isVoter(membership, idOf(step.name))) {
          this.plan.shift();
          return true;
        }
        // Removed meanwhile (another plan's leftovers): the plan is void.
        if (memberOf(membership, idOf(step.name)) === undefined) {
          this.plan = [];
          return true;
        }
        this.send(leader, { type: 'promote', id: idOf(step.name) });
        return true;
      }
      case 'remove': {
        if (step.target === 'leader' || step.target === 'follower') {
          const target = this.removalTarget(step.target, leader.name, votersOf(membership));
          if (target === null) {
            this.plan.shift();
            return true;
          }
          step.target = target;
        }
        if (memberOf(membership, idOf(step.target)) === undefined) {
          this.plan.shift();
          return true;
        }
        this.send(leader, { type: 'remove', id: idOf(step.target) });
        return true;
      }
      default:
        return step satisfies never;
    }
  }

  /** The voter a removal takes: the leader or a follower, never the last bootstrap voter; null when none may go. */
  private removalTarget(which: 'leader' | 'follower', leaderName: string, voters: readonly number[]): string | null {
    const bootstrapVoters = voters.filter((id) => id <= this.host.bootstrap.length);
    const removable = (id: number): boolean => !(bootstrapVoters.length === 1 && bootstrapVoters[0] === id);
    if (voters.length <= this.votersMin()) return null;
    if (which === 'leader') return removable(idOf(leaderName)) ? leaderName : null;
    const followers = voters.filter((id) => id !== idOf(leaderName) && removable(id));
    return followers.length === 0 ? null : `n${this.rng.pick(followers)}`;
  }

  private votersMin(): number {
    return Math.max(2, this.host.bootstrap.length - 1);
  }

  private votersMax(): number {
    return this.host.bootstrap.length + 1;
  }

  private drawPlan(leaderName: string, voters: readonly number[], learners: readonly number[]): Step[] {
    // A learner left over (its plan was cut short): promote it first.
    const leftover = learners[0];
    if (leftover !== undefined) return voters.length < this.votersMax() ? [{ kind: 'promote', name: `n${leftover}` }] : [{ kind: 'remove', target: `n${leftover}` }];
    const spare = this.host.spares.find((name) => !this.joined.has(name));
    const eligible = MEMBERSHIP_PLAN_KINDS.filter((kind) => {
      if (this.options.weights[kind] === 0) return false;
      switch (kind) {
        case 'grow':
          return spare !== undefined && voters.length < this.votersMax();
        case 'shrinkFollower':
          return voters.length > this.votersMin() && this.removalTarget('follower', leaderName, voters) !== null;
        case 'shrinkLeader':
          return voters.length > this.votersMin() && this.removalTarget('leader', leaderName, voters) !== null;
        case 'replaceFollower':
        case 'replaceLeader':
          return spare !== undefined && voters.length < this.votersMax();
        case 'learnerOnly':
          return spare !== undefined;
        default:
          return kind satisfies never;
      }
    });
    if (eligible.length === 0) return [];
    let pick = this.rng.int(1, eligible.reduce((sum, kind) => sum + this.options.weights[kind], 0));
    let kind = eligible[0] as MembershipPlanKind;
    for (const k of eligible) {
      pick -= this.options.weights[k];
      if (pick <= 0) {
        kind = k;
        break;
      }
    }
    this.stats.plans[kind] = (this.stats.plans[kind] ?? 0) + 1;
    this.host.world.record('nemesis', { family: 'membership', plan: kind, ...(spare === undefined ? {} : { spare }) });
    const s = spare as string;
    switch (kind) {
      case 'grow':
        return [{ kind: 'add', name: s }, { kind: 'promote', name: s }];
      case 'shrinkFollower':
        return [{ kind: 'remove', target: 'follower' }];
      case 'shrinkLeader':
        return [{ kind: 'remove', target: 'leader' }];
      case 'replaceFollower':
        return [{ kind: 'add', name: s }, { kind: 'promote', name: s }, { kind: 'remove', target: 'follower' }];
      case 'replaceLeader':
        return [{ kind: 'add', name: s }, { kind: 'promote', name: s }, { kind: 'remove', target: 'leader' }];
      case 'learnerOnly':
        return [{ kind: 'add', name: s }, { kind: 'remove', target: s }];
      default:
        return kind satisfies never;
    }
  }

  /** Sends one change to the leader, checks the leader's log at once, and counts the answer when it comes. */
  private send(leader: { readonly name: string; readonly driver: RaftDriver }, change: MembershipChange): void {
    const token = ++this.sent;
    this.awaitingUntilMs = this.host.world.nowMs + ANSWER_TIMEOUT_MS;
    this.host.world.record('nemesis', { family: 'membership', leader: leader.name, change: change.type, node: `n${change.id}` });
    const answer = leader.driver.changeMembership(change);
    const status = leader.driver.status();
    const problem = configChangeProblem({ snapshotIndex: status.snapshotIndex, lastIndex: status.lastIndex, entryAt: (i) => leader.driver.entryAt(i) }, status.term, status.commit);
    if (problem !== null) this.host.report(`${leader.name} (term ${status.term}) accepted ${change.type} n${change.id}: ${problem}`, { node: leader.name, term: status.term, commit: status.commit });
    void answer.then((outcome) => {
      if (token === this.sent) this.awaitingUntilMs = null;
      if (outcome.ok) {
        if (outcome.index !== null) this.stats.changesCommitted++;
      } else {
        this.stats.refusals[outcome.code] = (this.stats.refusals[outcome.code] ?? 0) + 1;
      }
    });
  }
}
