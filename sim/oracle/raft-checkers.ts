// The Raft checkers of a cluster run (Raft paper Figure 3), fed by the raft drivers' events and
// logs, and the committed state they build, which the timestamp and sequence checkers take as
// their ground truth in a cluster (what a value must be part of before a client may see it).
//
//   - election safety: at most one leader per term (every `role` event of every node);
//   - state-machine safety: every node applies the same entry at each index. The first node to
//     apply index i fixes the committed entry there; every later apply of i, on any node and in
//     any incarnation, must be that entry (term, kind, bytes). A node applies in index order, so
//     an apply past the committed end means it skipped entries nobody applied (also a violation);
//     a snapshot installed at index i must hold the committed state at i (its high-water);
//   - leader completeness: when a node wins term t, its log holds every entry committed in a term
//     before t. The checker learns of commits from applies, and of an election when the winner's
//     Ready is persisted — later than either happened — so it counts an entry as committed before
//     t only when some node applied it while its own term was below t (a node applies what a
//     leader of its term, or an earlier one, committed), never from timing alone;
//   - log matching: two logs holding an entry of the same index and term hold the same entries
//     before it (checked pairwise over the entries both still hold: at each election and at the
//     end);
//   - across membership changes (docs/raft.md §4a), no two disjoint quorums ever able to decide:
//     every committed configuration differs from the committed one before it (the bootstrap
//     voters first) by at most one voter, and so does every configuration entry in a log from
//     the one before it in that log (a new leader's log at its election, every log at the end),
//     so consecutive majorities intersect; and a leader that takes a change has at most one
//     configuration entry above its commit index and, for one of its own term, an entry of its
//     term committed (`configChangeProblem`, checked by the membership nemesis right after each
//     change it sends). Election safety and leader completeness above hold across
//     configurations as they are: terms and the committed entries are global, whoever voted.
//
// The committed state is an OracleStateMachine that applies the committed entries in order: the
// state every replica must reach. "Committed" here means applied by some node, which Raft allows
// only after a majority made the entry durable; an entry committed but not yet applied anywhere
// is not in it, so the checks against it are exact for what clients can have seen (a leader
// answers only after applying).

import { OracleStateMachine } from '../../core/oracle/index.js';
import { decodeMembership, type Entry, type Membership, membershipOfVoters, type RaftRole, votersOf } from '../../core/raft/index.js';
import { voterDifference } from '../../core/raft/membership.js';
import { type Decoded, type DurableLedger, type DurableSource, indexLedger } from './durable.js';
import type { ViolationDetails, ViolationKind } from './violations.js';
import { outsideReach } from './reach.js';

/** What a checker can read of one node's log. */
export interface RaftLogView {
  readonly snapshotIndex: number;
  readonly lastIndex: number;
  entryAt(index: number): Entry | undefined;
}

type Report = (kind: ViolationKind, message: string, details?: ViolationDetails) => void;

function sameEntry(a: Entry, b: Entry): boolean {
  if (a.term !== b.term || a.kind !== b.kind || a.index !== b.index || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function describeVoters(m: Membership): string {
  return `{${votersOf(m).join(', ')}}`;
}

/** The membership a config entry carries, or null when it does not decode (a torn entry is the log checkers' business). */
function configOf(entry: Entry): Membership | null {
  try {
    return decodeMembership(entry.data);
  } catch {
    return null;
  }
}

/**
 * Whether a leader's log breaks the rules of single-server changes right after it took one:
 * at most one configuration entry above its commit index (with two, the configuration before the
 * first and the one after the second may differ by two voters while neither is committed), and a
 * configuration entry of the leader's own term only once an entry of that term committed (the
 * 2015 bug: a new leader's change racing an uncommitted one of an earlier leader). The commit
 * entry's term is read from the log; at a commit inside the snapshot the second rule is not checked.
 */
export function configChangeProblem(log: RaftLogView, term: number, commit: number): string | null {
  const pending: Entry[] = [];
  for (let index = Math.max(commit, log.snapshotIndex) + 1; index <= log.lastIndex; index++) {
    const entry = log.entryAt(index);
    if (entry?.kind === 'config') pending.push(entry);
  }
  if (pending.length > 1) {
    return `${pending.length} configuration entries are above the commit index ${commit} at once (${pending.map((e) => `${e.index}/${e.term}`).join(', ')}): two changes in flight`;
  }
  const own = pending.find((e) => e.term === term);
  if (own === undefined || commit <= log.snapshotIndex) return null;
  const atCommit = log.entryAt(commit);
  if (atCommit !== undefined && atCommit.term < term) {
    return `configuration entry ${own.index} of term ${term} appended while no entry of term ${term} is committed (the commit index ${commit} holds term ${atCommit.term})`;
  }
  return null;
}

function describeEntry(e: Entry): string {
  return `${e.kind} entry ${e.index} of term ${e.term} (${e.data.length} bytes)`;
}

/** The committed state, as the sequence and timestamp checkers' ground truth. */
class CommittedView implements DurableSource {
  private ledgerAt = -1;
  private ledger: Decoded<DurableLedger> = { ok: true, value: indexLedger({ counters: [], sessions: [] } as never) };

  constructor(private readonly state: OracleStateMachine) {}

  highWaterMs(): Decoded<number> {
    return { ok: true, value: this.state.highWaterMs };
  }

  highWaterCovering(): Decoded<number> {
    return this.highWaterMs();
  }

  sequenceLedger(): Decoded<DurableLedger> {
    if (this.ledgerAt !== this.state.appliedIndex) {
      this.ledgerAt = this.state.appliedIndex;
      this.ledger = { ok: true, value: indexLedger(this.state.ledgerSnapshot()) };
    }
    return this.ledger;
  }
}

export class RaftChecker {
  private readonly leaderOfTerm = new Map<number, string>();
  /** committed[i - 1] is the entry committed at index i. */
  private readonly committed: Entry[] = [];
  /** committedBy[i - 1]: the lowest term of a node seen applying index i (≥ the term that committed it). */
  private readonly committedBy: number[] = [];
  /** highWaterAt[i] is the committed high-water after applying index i (highWaterAt[0] = 0). */
  private readonly highWaterAt: number[] = [0];
  private readonly state = new OracleStateMachine();
  readonly committedView: DurableSource = new CommittedView(this.state);
  /** Terms won, in order (for the stats). */
  elections = 0;
  /** The configuration of the last committed config entry (the bootstrap voters before any). */
  private committedConfig: Membership;
  /** Committed config entries seen (for the stats). */
  configsCommitted = 0;

  /** `bootstrapVoters`: the cluster's voters before any membership change (ids). */
  constructor(
    private readonly report: Report,
    bootstrapVoters: readonly number[] = [],
  ) {
    this.committedConfig = membershipOfVoters(bootstrapVoters);
  }

  /** Index of the last committed entry seen. */
  get committedIndex(): number {
    return this.committed.length;
  }

  /** Election safety: called with every role change of every node. */
  onRole(node: string, role: RaftRole, term: number): void {
    if (role !== 'leader') return;
    const other = this.leaderOfTerm.get(term);
    if (other === undefined) {
      this.leaderOfTerm.set(term, node);
      this.elections++;
    } else if (other !== node) {
      this.report('raft_two_leaders_in_term', `${other} and ${node} both became leader of term ${term}`, { term, first: other, second: node });
    }
  }

  /** State-machine safety: `node`, at `nodeTerm`, applied `entries` (consecutive, in index order). */
  onApplied(node: string, entries: readonly Entry[], nodeTerm: number): void {
    for (const entry of entries) {
      const known = this.committed[entry.index - 1];
      if (known !== undefined) {
        if (nodeTerm < (this.committedBy[entry.index - 1] as number)) this.committedBy[entry.index - 1] = nodeTerm;
        if (!sameEntry(known, entry)) {
          this.report('raft_state_machine_divergence', `${node} applied ${describeEntry(entry)} where ${describeEntry(known)} was applied before`, {
            node,
            index: entry.index,
            term: entry.term,
            committedTerm: known.term,
          });
        }
        continue;
      }
      if (entry.index !== this.committed.length + 1) {
        this.report('raft_state_machine_divergence', `${node} applied index ${entry.index}, but no node applied index ${this.committed.length + 1} before`, {
          node,
          index: entry.index,
        });
        return;
      }
      this.committed.push(entry);
      this.committedBy.push(nodeTerm);
      if (entry.kind === 'config') this.onConfigCommitted(node, entry);
      outsideReach(() => this.state.apply(entry));
      this.highWaterAt.push(this.state.highWaterMs);
    }
  }

  private onConfigCommitted(node: string, entry: Entry): void {
    const next = configOf(entry);
    if (next === null) return;
    this.configsCommitted++;
    const before = this.committedConfig;
    this.committedConfig = next;
    if (voterDifference(before, next) > 1) {
      this.report('raft_config_jump', `${node} applied the committed configuration ${describeVoters(next)} at ${entry.index} (term ${entry.term}); the committed one before it was ${describeVoters(before)}: more than one voter apart`, {
        node,
        index: entry.index,
        term: entry.term,
      });
    }
  }

  /** Every config entry of `log` against the config entry before it in the same log. */
  checkConfigChain(node: string, log: RaftLogView): boolean {
    let before: Entry | null = null;
    for (let index = log.snapshotIndex + 1; index <= log.lastIndex; index++) {
      const entry = log.entryAt(index);
      if (entry?.kind !== 'config') continue;
      if (before !== null) {
        const a = configOf(before);
        const b = configOf(entry);
        if (a !== null && b !== null && voterDifference(a, b) > 1) {
          this.report('raft_config_jump', `${node}'s log holds configuration ${describeVoters(b)} at ${entry.index} (term ${entry.term}) right after ${describeVoters(a)} at ${before.index} (term ${before.term}): more than one voter apart`, {
            node,
            index: entry.index,
            term: entry.term,
          });
          return false;
        }
      }
      before = entry;
    }
    return true;
  }

  /** A node installed a snapshot at `index` and now holds `highWaterMs`. */
  onSnapshotInstalled(node: string, index: number, highWaterMs: number): void {
    const expected = this.highWaterAt[index];
    if (expected === undefined) {
      this.report('raft_state_machine_divergence', `${node} installed a snapshot at index ${index}, past every index applied anywhere (${this.committed.length})`, { node, index });
    } else if (expected !== highWaterMs) {
      this.report('raft_state_machine_divergence', `${node} installed a snapshot at index ${index} with high-water ${highWaterMs}; the committed state there has ${expected}`, {
        node,
        index,
        highWaterMs,
        expectedMs: expected,
      });
    }
  }

  /** Leader completeness: `node` just won `term`; its log must hold every entry committed before it. */
  onLeaderLog(node: string, term: number, log: RaftLogView): void {
    for (let index = log.snapshotIndex + 1; index <= this.committed.length; index++) {
      if ((this.committedBy[index - 1] as number) >= term) continue; // maybe committed in `term` or later
      const known = this.committed[index - 1] as Entry;
      const held = log.entryAt(index);
      if (held === undefined || !sameEntry(held, known)) {
        this.report(
          'raft_leader_incomplete',
          `${node} became leader of term ${term} without the committed ${describeEntry(known)}: its log holds ${held === undefined ? 'nothing' : describeEntry(held)} there`,
          { node, term, index },
        );
        return;
      }
    }
  }

  /** Log matching over every pair of logs (the entries both still hold). */
  checkLogMatching(logs: ReadonlyMap<string, RaftLogView>): void {
    const names = [...logs.keys()].sort();
    for (let a = 0; a < names.length; a++) {
      for (let b = a + 1; b < names.length; b++) {
        const nameA = names[a] as string;
        const nameB = names[b] as string;
        if (!this.logsMatch(nameA, logs.get(nameA) as RaftLogView, nameB, logs.get(nameB) as RaftLogView)) return;
      }
    }
  }

  private logsMatch(nameA: string, a: RaftLogView, nameB: string, b: RaftLogView): boolean {
    const low = Math.max(a.snapshotIndex, b.snapshotIndex) + 1;
    let index = Math.min(a.lastIndex, b.lastIndex);
    // The highest index where both hold an entry of the same term: everything below must agree.
    for (; index >= low; index--) {
      const ea = a.entryAt(index);
      const eb = b.entryAt(index);
      if (ea !== undefined && eb !== undefined && ea.term === eb.term) break;
    }
    const matchIndex = index;
    for (; index >= low; index--) {
      const ea = a.entryAt(index);
      const eb = b.entryAt(index);
      if (ea === undefined || eb === undefined || !sameEntry(ea, eb)) {
        this.report(
          'raft_log_mismatch',
          `${nameA} and ${nameB} hold the same entry ${matchIndex} of term ${a.entryAt(matchIndex)?.term ?? '?'} but differ at index ${index}: ${ea === undefined ? 'nothing' : describeEntry(ea)} vs ${eb === undefined ? 'nothing' : describeEntry(eb)}`,
          { first: nameA, second: nameB, matchIndex, index },
        );
        return false;
      }
    }
    return true;
  }
}
