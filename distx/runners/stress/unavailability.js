// Unavailability after a leader loss: the time from a chaos action (kill -9 or SIGSTOP of the
// leader) to the first timestamp call acknowledged by a working cluster afterwards.
//
// "Afterwards" must not count answers the old leader sent just before it died and the harness
// read just after: an acknowledgement counts only if it came from a newer leader (its epoch is
// above every epoch seen before the action) or its call was invoked after the action (so the
// answer was produced after it, by whichever leader). Both are sound; the first makes the
// measurement tight while every load loop is stuck in a call made before the action.
//
// Two views are kept (runners/stress/run.ts): the cluster's (any call counts, including the chaos
// loop's witness client, which polls with a short attempt timeout) and the load clients' (only
// calls of clients with the default retry policy count: their attempt timeout shows there).
import { assert } from '../../core/assert.js';
import { durationStats } from './checkers.js';
/** Leader losses waiting for recovery at once (the chaos loop waits for each before the next). */
export const STRESS_PENDING_LOSSES_MAX = 64;
/** Recovery samples kept (one per leader loss; a 10-minute run has a few hundred). */
export const STRESS_RECOVERY_SAMPLES_MAX = 100_000;
export class UnavailabilityTracker {
    counts;
    pending = [];
    samples = [];
    /** `counts` picks the calls whose acknowledgement ends a loss (default: every call). */
    constructor(counts = () => true) {
        this.counts = counts;
    }
    /** A leader loss happened at run time `atMs`, order `atOrder`, while `epochBefore` was the newest epoch seen. */
    lost(kind, atMs, atOrder, epochBefore) {
        assert(this.pending.length < STRESS_PENDING_LOSSES_MAX, 'stress_pending_losses_bounded');
        this.pending.push({ kind, atMs, atOrder, epochBefore });
    }
    onTsAck(op, epoch, completeMs) {
        if (this.pending.length === 0 || !this.counts(op))
            return;
        const still = [];
        for (const loss of this.pending) {
            const fromNewLeader = epoch !== null && epoch > loss.epochBefore;
            const invokedAfter = op.invokeOrder > loss.atOrder;
            if ((fromNewLeader || invokedAfter) && completeMs >= loss.atMs) {
                assert(this.samples.length < STRESS_RECOVERY_SAMPLES_MAX, 'stress_recovery_samples_bounded');
                this.samples.push({ kind: loss.kind, atMs: loss.atMs, unavailableMs: completeMs - loss.atMs });
            }
            else {
                still.push(loss);
            }
        }
        this.pending = still;
    }
    /** Losses not recovered yet. */
    get pendingCount() {
        return this.pending.length;
    }
    /** Run time of the oldest loss not recovered yet, or null. */
    get oldestPendingMs() {
        return this.pending[0]?.atMs ?? null;
    }
    /** Gives up on every loss still pending (reported as unrecovered); returns how many. */
    abandonPending() {
        const n = this.pending.length;
        this.pending = [];
        return n;
    }
    stats(kind) {
        return durationStats(this.samples.filter((s) => kind === undefined || s.kind === kind).map((s) => s.unavailableMs));
    }
}
//# sourceMappingURL=unavailability.js.map