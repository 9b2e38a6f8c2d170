// Test support: an in-memory consensus driver whose leadership a test controls, like the
// original's InMemoryDriver. It keeps the driver contracts (max-advance persist, range guard,
// exactly-once ledger, current state first) and lets a test inject failures and delays, so the
// serving node's fence and extension paths can be driven step by step. Not a production driver.
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { SeqLedger } from '../../core/ledger.js';
import { driverFailure } from '../driver.js';
export class MemoryDriver {
    highWaterMs = 0;
    ledger = new SeqLedger();
    persistCalls = [];
    /** Failures to return from the next calls, consumed in order. */
    failNextLoads = [];
    failNextPersists = [];
    /** The lease `hasLease()` reports (a replicated driver's leader lease). */
    leaseHeld = true;
    /** When set, persists wait for `releasePersists()`. */
    holdPersists = false;
    held = [];
    state;
    listeners = new Set();
    constructor(initial = { kind: 'leader', epoch: 1n }) {
        this.state = initial;
    }
    setLeadership(state) {
        this.state = state;
        for (const l of [...this.listeners])
            l(state);
    }
    releasePersists() {
        const held = this.held;
        this.held = [];
        for (const r of held)
            r();
    }
    subscribeLeadership(listener) {
        this.listeners.add(listener);
        listener(this.state);
        return () => this.listeners.delete(listener);
    }
    async loadHighWater() {
        const fail = this.failNextLoads.shift();
        if (fail !== undefined)
            return driverFailure(fail, 'injected');
        return { ok: true, highWaterMs: this.highWaterMs };
    }
    async persistHighWater(atLeastMs, epoch) {
        if (atLeastMs > PHYSICAL_MS_MAX)
            return driverFailure('DRIVER_OUT_OF_RANGE', 'above the cap');
        this.persistCalls.push({ atLeastMs, epoch });
        if (this.holdPersists)
            await new Promise((resolve) => this.held.push(resolve));
        const fail = this.failNextPersists.shift();
        if (fail !== undefined)
            return driverFailure(fail, 'injected', { leaderEndpoint: '127.0.0.9:1', leaderEpoch: epoch + 1n });
        this.highWaterMs = Math.max(this.highWaterMs, atLeastMs);
        return { ok: true, highWaterMs: this.highWaterMs };
    }
    async advanceSeq(request, _epoch) {
        const r = this.ledger.advance(request);
        return r.ok ? { ok: true, start: r.start, count: r.count } : driverFailure(r.code, r.message ?? r.code);
    }
    async loadSeq(key) {
        return { ok: true, next: this.ledger.get(key) };
    }
    hasLease() {
        return this.leaseHeld;
    }
    async close() { }
}
//# sourceMappingURL=memory-driver.js.map