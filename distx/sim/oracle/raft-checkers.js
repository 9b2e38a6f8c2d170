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
//     end).
//
// The committed state is an OracleStateMachine that applies the committed entries in order: the
// state every replica must reach. "Committed" here means applied by some node, which Raft allows
// only after a majority made the entry durable; an entry committed but not yet applied anywhere
// is not in it, so the checks against it are exact for what clients can have seen (a leader
// answers only after applying).
import { OracleStateMachine } from '../../core/oracle/index.js';
import { indexLedger } from './durable.js';
function sameEntry(a, b) {
    if (a.term !== b.term || a.kind !== b.kind || a.index !== b.index || a.data.length !== b.data.length)
        return false;
    for (let i = 0; i < a.data.length; i++)
        if (a.data[i] !== b.data[i])
            return false;
    return true;
}
function describeEntry(e) {
    return `${e.kind} entry ${e.index} of term ${e.term} (${e.data.length} bytes)`;
}
/** The committed state, as the sequence and timestamp checkers' ground truth. */
class CommittedView {
    state;
    ledgerAt = -1;
    ledger = { ok: true, value: indexLedger({ counters: [], sessions: [] }) };
    constructor(state) {
        this.state = state;
    }
    highWaterMs() {
        return { ok: true, value: this.state.highWaterMs };
    }
    highWaterCovering() {
        return this.highWaterMs();
    }
    sequenceLedger() {
        if (this.ledgerAt !== this.state.appliedIndex) {
            this.ledgerAt = this.state.appliedIndex;
            this.ledger = { ok: true, value: indexLedger(this.state.ledgerSnapshot()) };
        }
        return this.ledger;
    }
}
export class RaftChecker {
    report;
    leaderOfTerm = new Map();
    /** committed[i - 1] is the entry committed at index i. */
    committed = [];
    /** committedBy[i - 1]: the lowest term of a node seen applying index i (≥ the term that committed it). */
    committedBy = [];
    /** highWaterAt[i] is the committed high-water after applying index i (highWaterAt[0] = 0). */
    highWaterAt = [0];
    state = new OracleStateMachine();
    committedView = new CommittedView(this.state);
    /** Terms won, in order (for the stats). */
    elections = 0;
    constructor(report) {
        this.report = report;
    }
    /** Index of the last committed entry seen. */
    get committedIndex() {
        return this.committed.length;
    }
    /** Election safety: called with every role change of every node. */
    onRole(node, role, term) {
        if (role !== 'leader')
            return;
        const other = this.leaderOfTerm.get(term);
        if (other === undefined) {
            this.leaderOfTerm.set(term, node);
            this.elections++;
        }
        else if (other !== node) {
            this.report('raft_two_leaders_in_term', `${other} and ${node} both became leader of term ${term}`, { term, first: other, second: node });
        }
    }
    /** State-machine safety: `node`, at `nodeTerm`, applied `entries` (consecutive, in index order). */
    onApplied(node, entries, nodeTerm) {
        for (const entry of entries) {
            const known = this.committed[entry.index - 1];
            if (known !== undefined) {
                if (nodeTerm < this.committedBy[entry.index - 1])
                    this.committedBy[entry.index - 1] = nodeTerm;
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
            this.state.apply(entry);
            this.highWaterAt.push(this.state.highWaterMs);
        }
    }
    /** A node installed a snapshot at `index` and now holds `highWaterMs`. */
    onSnapshotInstalled(node, index, highWaterMs) {
        const expected = this.highWaterAt[index];
        if (expected === undefined) {
            this.report('raft_state_machine_divergence', `${node} installed a snapshot at index ${index}, past every index applied anywhere (${this.committed.length})`, { node, index });
        }
        else if (expected !== highWaterMs) {
            this.report('raft_state_machine_divergence', `${node} installed a snapshot at index ${index} with high-water ${highWaterMs}; the committed state there has ${expected}`, {
                node,
                index,
                highWaterMs,
                expectedMs: expected,
            });
        }
    }
    /** Leader completeness: `node` just won `term`; its log must hold every entry committed before it. */
    onLeaderLog(node, term, log) {
        for (let index = log.snapshotIndex + 1; index <= this.committed.length; index++) {
            if (this.committedBy[index - 1] >= term)
                continue; // maybe committed in `term` or later
            const known = this.committed[index - 1];
            const held = log.entryAt(index);
            if (held === undefined || !sameEntry(held, known)) {
                this.report('raft_leader_incomplete', `${node} became leader of term ${term} without the committed ${describeEntry(known)}: its log holds ${held === undefined ? 'nothing' : describeEntry(held)} there`, { node, term, index });
                return;
            }
        }
    }
    /** Log matching over every pair of logs (the entries both still hold). */
    checkLogMatching(logs) {
        const names = [...logs.keys()].sort();
        for (let a = 0; a < names.length; a++) {
            for (let b = a + 1; b < names.length; b++) {
                const nameA = names[a];
                const nameB = names[b];
                if (!this.logsMatch(nameA, logs.get(nameA), nameB, logs.get(nameB)))
                    return;
            }
        }
    }
    logsMatch(nameA, a, nameB, b) {
        const low = Math.max(a.snapshotIndex, b.snapshotIndex) + 1;
        let index = Math.min(a.lastIndex, b.lastIndex);
        // The highest index where both hold an entry of the same term: everything below must agree.
        for (; index >= low; index--) {
            const ea = a.entryAt(index);
            const eb = b.entryAt(index);
            if (ea !== undefined && eb !== undefined && ea.term === eb.term)
                break;
        }
        const matchIndex = index;
        for (; index >= low; index--) {
            const ea = a.entryAt(index);
            const eb = b.entryAt(index);
            if (ea === undefined || eb === undefined || !sameEntry(ea, eb)) {
                this.report('raft_log_mismatch', `${nameA} and ${nameB} hold the same entry ${matchIndex} of term ${a.entryAt(matchIndex)?.term ?? '?'} but differ at index ${index}: ${ea === undefined ? 'nothing' : describeEntry(ea)} vs ${eb === undefined ? 'nothing' : describeEntry(eb)}`, { first: nameA, second: nameB, matchIndex, index });
                return false;
            }
        }
        return true;
    }
}
//# sourceMappingURL=raft-checkers.js.map