// Processes of the simulated world. A node (a machine with a host name, a disk and a clock)
// runs one program at a time; each start of the program is an incarnation. Every port object a
// program gets is bound to its incarnation, and every event the ports schedule for it (timer,
// disk completion, frame delivery) is owned by the incarnation:
//   - crash (kill -9) marks the incarnation dead: its queued events are dropped when they come
//     due, so its pending port operations never complete and its timers never fire, and calls
//     on its ports from late continuations do nothing (operations return promises that never
//     settle). A restart is a new incarnation with fresh ports.
//   - pause marks it paused: its events are deferred, in order, and requeued at the resume
//     time; nothing of the program runs meanwhile, while the world (and its clock) go on.
import { assert } from '../core/assert.js';
import { NODE_DEFERRED_EVENTS_MAX } from './limits.js';
export class Incarnation {
    node;
    number;
    deadFlag = false;
    pausedFlag = false;
    deferred = [];
    state = 'starting';
    handle = null;
    /** The error that failed this incarnation (its program threw or rejected, or an event threw). */
    failure = undefined;
    constructor(node, number) {
        this.node = node;
        this.number = number;
    }
    /** `name#number`, as it appears in traces. */
    get label() {
        return `${this.node}#${this.number}`;
    }
    get dead() {
        return this.deadFlag;
    }
    get paused() {
        return this.pausedFlag;
    }
    /** Events deferred while paused. */
    get deferredCount() {
        return this.deferred.length;
    }
    defer(event) {
        assert(this.pausedFlag, 'defer_only_when_paused');
        assert(this.deferred.length < NODE_DEFERRED_EVENTS_MAX, 'node_deferred_events_within_limit');
        this.deferred.push(event);
    }
    pause() {
        assert(!this.deadFlag, 'pause_live_incarnation');
        this.pausedFlag = true;
    }
    /** Ends a pause: deferred events run now, in the order they came due. */
    resume(scheduler) {
        if (!this.pausedFlag)
            return;
        this.pausedFlag = false;
        for (const event of this.deferred)
            scheduler.requeue(event);
        this.deferred.length = 0;
    }
    /** Marks the incarnation dead: nothing of it runs again. */
    kill(state) {
        this.deadFlag = true;
        this.pausedFlag = false;
        this.deferred.length = 0;
        this.state = state;
    }
}
/** A promise that never settles: what a dead incarnation's port operations return. */
export function never() {
    return new Promise(() => { });
}
//# sourceMappingURL=process.js.map