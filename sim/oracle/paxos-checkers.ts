// The Paxos checkers of an oracle cluster run on the paxos driver (docs/paxos.md §5), fed by the
// drivers' events through the module's extras (paxos-module.ts) — the oracle-swarm counterparts
// of the pure harness's checkers (core/paxos/simulation-harness.ts). Each reports through the
// generic `driver_invariant` violation with `details.checker` naming it:
//   - single-decision: at most one value is decided per slot, across nodes and incarnations. The
//     first node to apply slot i fixes the decided entry there (ballot, kind, bytes); every later
//     apply of i anywhere must be that entry;
//   - decided-completeness: a node that becomes leader under ballot B holds every entry decided
//     under a lower ballot. The checker learns of a decision from an apply, later than it
//     happened, so it counts slot i as decided below B only when some node applied i while its
//     own promise was below B (a node learns a decision only from a leader of a ballot at most
//     its promise), never from timing alone;
//   - ballot-order: an acceptor's promise never goes down (in memory within an incarnation; across
//     crashes, what a restart recovers never goes below a promise made durable before), and a node's
//     successive leaderships have strictly increasing ballots (the order in which DIFFERENT nodes
//     become leader is not an invariant of Paxos: docs/paxos.md; the order of their leases is,
//     and the lease checker covers it);
//   - promise-keeping: within an incarnation, a node's accepted round, when it changes, is at
//     least the promise it held before; and (from the messages it sends, in the order its core
//     made them) no Accepted of a ballot below a Promise it sent before. The second is the pure
//     harness's check: an acceptor already synced to an old ballot that accepts its leader's
//     Accept after promising a higher one changes nothing its status shows;
//   - lease: no two nodes hold a lease at the same instant of the world's time. Checked at every
//     trace entry of the run (each node's `hasLease()` on its own clock), only when the seed's
//     clocks drift within the configured bound (the lease's assumption).
// Liveness after the faults stop is the generic harness's (raft-run.ts, every cluster driver).
//
// Invariants: the checker only reads the drivers (status, entryAt, hasLease: no side effect), so
// it cannot change the run, and a run with it is the same function of its seed as one without.

import { compareBallots, formatBallot, type Ballot, type PaxosEntry, type PaxosMessage } from '../../core/paxos/index.js';
import type { ViolationDetails, ViolationKind } from './violations.js';

export type PaxosCheckerName = 'single-decision' | 'decided-completeness' | 'ballot-order' | 'promise-keeping' | 'lease';

type Report = (kind: ViolationKind, message: string, details?: ViolationDetails) => void;

/** What the checker reads of one node's log. */
export interface PaxosLogView {
  readonly snapshotIndex: number;
  entryAt(index: number): PaxosEntry | undefined;
}

/** A ballot above every real one: the bound of an apply whose node's promise is not known yet. */
const BALLOT_UNKNOWN: Ballot = { n: Number.MAX_SAFE_INTEGER, nodeId: Number.MAX_SAFE_INTEGER };

function sameEntry(a: PaxosEntry, b: PaxosEntry): boolean {
  if (a.index !== b.index || a.kind !== b.kind || compareBallots(a.ballot, b.ballot) !== 0 || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function describeEntry(e: PaxosEntry): string {
  return `${e.kind} entry ${e.index} of ballot ${formatBallot(e.ballot)} (${e.data.length} bytes)`;
}

export class PaxosChecker {
  /** decided.get(i): the entry first applied at slot i. */
  private readonly decided = new Map<number, PaxosEntry>();
  /** decidedBelow.get(i): the lowest promise of a node seen applying slot i (≥ the ballot that decided it). */
  private readonly decidedBelow = new Map<number, Ballot>();
  /** Per node: its incarnation's highest promise, and the highest durable promise of any incarnation. */
  private readonly promiseOf = new Map<string, { readonly incarnation: number; readonly promised: Ballot; readonly durable: Ballot; readonly acceptedRound: Ballot }>();
  /** Per node: the highest ballot its current incarnation sent a Promise for. */
  private readonly promiseSentOf = new Map<string, { readonly incarnation: number; readonly ballot: Ballot }>();
  /** Per node (across incarnations): the ballot of its last leadership. */
  private readonly lastLed = new Map<string, Ballot>();
  /** Leaderships seen (for the report). */
  leaderships = 0;

  constructor(private readonly report: Report) {}

  private violation(checker: PaxosCheckerName, message: string, details: ViolationDetails): void {
    this.report('driver_invariant', `paxos ${checker}: ${message}`, { driver: 'paxos', checker, ...details });
  }

  /** Single decision: `node`, promised `promised` (null: not known yet), applied `entries` in slot order. */
  onApplied(node: string, entries: readonly PaxosEntry[], promised: Ballot | null): void {
    const bound = promised ?? BALLOT_UNKNOWN;
    for (const entry of entries) {
      const known = this.decided.get(entry.index);
      if (known === undefined) {
        this.decided.set(entry.index, entry);
        this.decidedBelow.set(entry.index, bound);
        continue;
      }
      if (compareBallots(bound, this.decidedBelow.get(entry.index) as Ballot) < 0) this.decidedBelow.set(entry.index, bound);
      if (!sameEntry(known, entry)) {
        this.violation('single-decision', `${node} applied ${describeEntry(entry)} where ${describeEntry(known)} was applied before`, {
          node,
          index: entry.index,
          ballot: formatBallot(entry.ballot),
          decidedBallot: formatBallot(known.ballot),
        });
        return;
      }
    }
  }

  /**
   * Promises never go down: within an incarnation the in-memory promise (`promised`), and across
   * crashes what a restart recovers against every promise made durable before (`durable`). An
   * in-memory promise not yet persisted may be lost by a crash: that is not a violation.
   */
  onPromise(node: string, incarnation: number, promised: Ballot, durable: Ballot, acceptedRound: Ballot): void {
    const seen = this.promiseOf.get(node);
    // Promise keeping: within an incarnation, a new accepted round is at least the promise the
    // acceptor held before it (a restart recovers the accepted round it made durable, which may be
    // below one a crash lost: 3-node swarm seed 2 went to 0.0 at a restart).
    if (seen !== undefined && seen.incarnation === incarnation && compareBallots(acceptedRound, seen.acceptedRound) !== 0) {
      const floor = seen.promised;
      if (compareBallots(acceptedRound, floor) < 0) {
        this.violation('promise-keeping', `${node} accepted under ${formatBallot(acceptedRound)} after promising ${formatBallot(floor)}`, { node, accepted: formatBallot(acceptedRound), promised: formatBallot(floor) });
      }
    }
    if (seen !== undefined && seen.incarnation === incarnation && compareBallots(promised, seen.promised) < 0) {
      this.violation('ballot-order', `${node} promises ${formatBallot(promised)} after promising ${formatBallot(seen.promised)}`, { node, promised: formatBallot(promised), before: formatBallot(seen.promised) });
    }
    if (seen !== undefined && seen.incarnation !== incarnation && compareBallots(durable, seen.durable) < 0) {
      this.violation('ballot-order', `${node} restarted with promise ${formatBallot(durable)} after making ${formatBallot(seen.durable)} durable`, { node, promised: formatBallot(durable), before: formatBallot(seen.durable) });
    }
    const keep = (a: Ballot, b: Ballot | undefined): Ballot => (b === undefined || compareBallots(a, b) > 0 ? a : b);
    this.promiseOf.set(node, {
      incarnation,
      promised: seen?.incarnation === incarnation ? keep(promised, seen.promised) : promised,
      durable: keep(durable, seen?.durable),
      acceptedRound,
    });
  }

  /**
   * Promise keeping on the wire: `node` (incarnation `incarnation`) sent `messages`, in the order
   * its core made them. A synced Accepted of a ballot below a Promise sent before is reported.
   */
  onSent(node: string, incarnation: number, messages: readonly PaxosMessage[]): void {
    const seen = this.promiseSentOf.get(node);
    let promised = seen !== undefined && seen.incarnation === incarnation ? seen.ballot : null;
    for (const m of messages) {
      if (m.type === 'promise' && (promised === null || compareBallots(m.ballot, promised) > 0)) promised = m.ballot;
      if (m.type === 'accepted' && m.synced && promised !== null && compareBallots(m.ballot, promised) < 0) {
        this.violation('promise-keeping', `${node} answered Accepted under ${formatBallot(m.ballot)} after sending a Promise of ${formatBallot(promised)}`, {
          node,
          accepted: formatBallot(m.ballot),
          promised: formatBallot(promised),
        });
        break;
      }
    }
    if (promised !== null) this.promiseSentOf.set(node, { incarnation, ballot: promised });
  }

  /** `node` became leader under `ballot` with `log`: its ballots go up, and it holds every decision below `ballot`. */
  onLeader(node: string, ballot: Ballot, log: PaxosLogView): void {
    this.leaderships++;
    const before = this.lastLed.get(node);
    if (before !== undefined && compareBallots(ballot, before) <= 0) {
      this.violation('ballot-order', `${node} leads ${formatBallot(ballot)} after leading ${formatBallot(before)}`, { node, ballot: formatBallot(ballot), before: formatBallot(before) });
    }
    this.lastLed.set(node, ballot);
    for (const [index, entry] of this.decided) {
      if (index <= log.snapshotIndex || compareBallots(this.decidedBelow.get(index) as Ballot, ballot) >= 0) continue;
      const held = log.entryAt(index);
      if (held === undefined || !sameEntry(held, entry)) {
        this.violation(
          'decided-completeness',
          `${node} became leader of ${formatBallot(ballot)} without the decided ${describeEntry(entry)}: its log holds ${held === undefined ? 'nothing' : describeEntry(held)} there`,
          { node, ballot: formatBallot(ballot), index },
        );
        return;
      }
    }
  }

  /** Lease: the nodes that hold a lease at this instant (at most one may). */
  checkLeases(holders: readonly string[], ballots: readonly Ballot[]): void {
    if (holders.length < 2) return;
    this.violation('lease', `${holders.join(' and ')} hold a lease at the same instant (ballots ${ballots.map(formatBallot).join(', ')})`, { nodes: [...holders] });
  }
}
