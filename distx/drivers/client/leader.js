// Leader discovery state of one client: the leader cache and the per-call worklist of endpoints.
// Pure and synchronous (time enters as `nowMs`), so the decisions are tested without I/O.
//
// The cache is {endpoint, epoch, lastUsedMs}; it is valid for `ttlMs` after its last success.
// While valid it gates leader hints: a hint whose epoch is older than the cached epoch is stale
// (a deposed leader's follower may still point at it) and is ignored. A hint without an epoch,
// or any hint while the cache is empty or expired, is accepted.
//
// A worklist pass visits the cached leader (if valid) and then every configured endpoint once,
// round-robin from an offset the client advances per pass (the first offset is random, so
// clients spread over the endpoints). Accepted hints jump the queue: they are pushed to the
// front, most recent first, and do not use up the pass.
import { assert } from '../../core/assert.js';
import { CLIENT_REDIRECTS_PER_PASS_MAX } from '../../core/limits.js';
export class LeaderCache {
    ttlMs;
    endpoint = null;
    epoch = null;
    lastUsedMs = Number.NEGATIVE_INFINITY;
    constructor(ttlMs) {
        this.ttlMs = ttlMs;
        assert(Number.isSafeInteger(ttlMs) && ttlMs > 0, 'leader_cache_ttl_positive');
    }
    fresh(nowMs) {
        return nowMs - this.lastUsedMs <= this.ttlMs;
    }
    /** The leader to try first, or null when unknown, forgotten or expired. */
    current(nowMs) {
        if (this.endpoint === null || this.epoch === null || !this.fresh(nowMs))
            return null;
        return { endpoint: this.endpoint, epoch: this.epoch };
    }
    /** `endpoint` answered a request as leader of `epoch`. */
    recordSuccess(endpoint, epoch, nowMs) {
        this.endpoint = endpoint;
        this.epoch = epoch;
        this.lastUsedMs = nowMs;
    }
    /** `endpoint` failed or said it is not the leader: stop trying it first (the epoch still gates hints). */
    forget(endpoint) {
        if (this.endpoint === endpoint)
            this.endpoint = null;
    }
    judgeHint(hintEpoch, nowMs) {
        if (hintEpoch === undefined || this.epoch === null || !this.fresh(nowMs))
            return 'accept';
        return hintEpoch < this.epoch ? 'stale' : 'accept';
    }
}
export class Worklist {
    endpoints;
    front = [];
    pass = [];
    index = 0;
    constructor(endpoints) {
        this.endpoints = endpoints;
        assert(endpoints.length > 0, 'worklist_has_endpoints');
    }
    /** Starts a pass: the cached leader first (if any), then every endpoint from `offset` round-robin. */
    startPass(leader, offset) {
        const n = this.endpoints.length;
        const pass = leader === null ? [] : [leader];
        for (let i = 0; i < n; i += 1) {
            const endpoint = this.endpoints[(((offset + i) % n) + n) % n];
            assert(endpoint !== undefined, 'worklist_index_in_range');
            if (endpoint !== leader)
                pass.push(endpoint);
        }
        this.pass = pass;
        this.index = 0;
    }
    /** An accepted hint: try `endpoint` next, ahead of the rest of the pass. */
    pushFront(endpoint) {
        const existing = this.front.indexOf(endpoint);
        if (existing >= 0)
            this.front.splice(existing, 1);
        this.front.unshift(endpoint);
        assert(this.front.length <= CLIENT_REDIRECTS_PER_PASS_MAX + 1, 'worklist_front_bounded');
    }
    /** The next endpoint to try, or null when the pass is over. */
    next() {
        const hinted = this.front.shift();
        if (hinted !== undefined)
            return hinted;
        const endpoint = this.pass[this.index];
        if (endpoint === undefined)
            return null;
        this.index += 1;
        return endpoint;
    }
    /** Drops pending hints (a new pass starts from what the cache knows). */
    clearFront() {
        this.front.length = 0;
    }
}
//# sourceMappingURL=leader.js.map