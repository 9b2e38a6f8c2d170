// The client library: leader discovery, coalesced getTs, exactly-once getSeq retries. It does
// I/O and reads time only through the ports (Transport, Clock) and draws randomness only from
// the injected `random`, so the simulator runs this code unchanged.
//
// Contracts (docs/client.md explains them to users):
//   - Coalescing without hoarding. At most one getTs request is in flight per client (so per
//     connection). Callers that arrive meanwhile queue up and form the next batch, sent as soon
//     as the current one finishes (the first request after idle goes out on the next microtask;
//     no timer). A batch asks for the sum of its callers' counts (at most GET_TS_COUNT_MAX; the
//     rest waits for the next round), and the answer is sliced exactly among them in arrival
//     order. Nothing is kept for later, so every timestamp a caller gets was allocated after it
//     called. A retried batch asks again; an answer of any other size fails the whole batch
//     with PROTOCOL_VIOLATION.
//   - Leader discovery. The cached leader (valid for leaderTtlMs after its last success) is
//     tried first, then every endpoint round-robin. NOT_LEADER with a usable hint sends the
//     next attempt to the hinted endpoint at once (no backoff, no attempt used), unless the
//     hint's epoch is older than the cached leader's. NOT_LEADER without a usable hint means an
//     election: the client finishes the pass and re-polls after a backoff until the deadline.
//   - getSeq exactly once. Each call has one requestId for its whole life. A failure after the
//     request may have reached the server (lost connection, timeout, UNAVAILABLE, INTERNAL) is
//     retried with the same requestId: the server's ledger returns the block it already granted.
//     When the outcome stays unknown (retries or time run out, SEQ_SESSION_EXPIRED) the call
//     fails with SEQ_UNCERTAIN carrying the requestId. Definitive answers are never retried.
//   - Every call ends: by an answer, by a definitive error, or at its overall deadline (checked
//     between attempts, so a call can overrun it by at most one attempt timeout).
import { assert } from '../../core/assert.js';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { CLIENT_CONNECTIONS_MAX, CLIENT_REDIRECTS_PER_CALL_MAX, CLIENT_REDIRECTS_PER_PASS_MAX, CLIENT_SEQ_IN_FLIGHT_MAX, CLIENT_SEQ_WAITERS_MAX, CLIENT_WAITERS_MAX, GET_TS_COUNT_MAX, U64_MAX, } from '../../core/limits.js';
import { checkGetTsCount, checkSeqCount, checkSeqKey, isGetSeqAnswer, isGetTsAnswer, } from '../../core/protocol.js';
import { packTimestamp } from '../../core/timestamp.js';
import { formatHostPort, parseHostPort } from '../ports.js';
import { timestampBatch } from './batch.js';
import { ChannelPool } from './channel.js';
import { LeaderCache, Worklist } from './leader.js';
import { BoundedQueue } from './queue.js';
import { backoffDelayMs, resolveRetryPolicy } from './retry.js';
/** Error answers that end a call at once: the server decided before executing anything. */
function isDefinitive(code) {
    return code === ErrorCode.INVALID_ARGUMENT || code === ErrorCode.RESOURCE_EXHAUSTED || code === ErrorCode.BAD_FRAME;
}
function normalizeEndpoint(text) {
    if (typeof text !== 'string')
        return null;
    const address = parseHostPort(text);
    if (address === null || address.port === 0)
        return null;
    return { endpoint: formatHostPort(address), address };
}
function randomU64(random) {
    let id = 0n;
    for (let i = 0; i < 4; i += 1) {
        const r = random();
        const unit = Number.isFinite(r) && r >= 0 && r < 1 ? r : 0;
        id = (id << 16n) | BigInt(Math.floor(unit * 65_536));
    }
    return id;
}
/** Creates a client bound to the given ports. Throws TsoError(INVALID_CONFIG / NO_REACHABLE_ENDPOINTS) for bad options. */
export function createClientCore(options) {
    return new ClientCore(options);
}
class ClientCore {
    clientId;
    endpoints;
    addresses = new Map();
    policy;
    clock;
    random;
    onEvent;
    faults;
    pool;
    leader;
    roundRobinOffset;
    closed = false;
    // Coalesced getTs.
    tsQueue = new BoundedQueue(CLIENT_WAITERS_MAX);
    tsRound = [];
    tsRoundActive = false;
    tsFlushScheduled = false;
    // getSeq.
    nextRequestId = 1n;
    seqQueue = new BoundedQueue(CLIENT_SEQ_WAITERS_MAX);
    seqInFlight = new Set();
    // Things close() must interrupt: backoff sleeps and attempts waiting on the network.
    interrupts = new Set();
    constructor(options) {
        this.faults = options.faults ?? {};
        if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
            throw new TsoError(ErrorCode.NO_REACHABLE_ENDPOINTS, 'no endpoints configured');
        }
        const endpoints = [];
        for (const text of options.endpoints) {
            const parsed = normalizeEndpoint(text);
            if (parsed === null)
                throw new TsoError(ErrorCode.INVALID_CONFIG, `endpoint ${JSON.stringify(text)} is not host:port`);
            if (this.addresses.has(parsed.endpoint))
                continue;
            this.addresses.set(parsed.endpoint, parsed.address);
            endpoints.push(parsed.endpoint);
        }
        if (endpoints.length > CLIENT_CONNECTIONS_MAX / 2) {
            throw new TsoError(ErrorCode.INVALID_CONFIG, `at most ${CLIENT_CONNECTIONS_MAX / 2} endpoints, got ${endpoints.length}`);
        }
        this.endpoints = endpoints;
        this.policy = resolveRetryPolicy(options.retry);
        this.clock = options.clock;
        this.random = options.random;
        this.onEvent = options.onEvent;
        if (options.clientId !== undefined && (typeof options.clientId !== 'bigint' || options.clientId < 0n || options.clientId > U64_MAX)) {
            throw new TsoError(ErrorCode.INVALID_CONFIG, `clientId must be a u64 bigint, got ${String(options.clientId)}`);
        }
        this.clientId = options.clientId ?? randomU64(this.random);
        this.roundRobinOffset = Math.floor(Math.min(Math.max(this.random(), 0), 0.999_999) * endpoints.length);
        this.leader = new LeaderCache(this.policy.leaderTtlMs);
        this.pool = new ChannelPool(options.transport, {
            connected: (endpoint) => this.emit({ type: 'connected', endpoint }),
            disconnected: (endpoint, reason) => this.emit({ type: 'disconnected', endpoint, reason }),
        });
    }
    emit(event) {
        if (this.onEvent === undefined)
            return;
        try {
            this.onEvent(event);
        }
        catch {
            // An observer must not be able to break the client.
        }
    }
    now() {
        return this.clock.monotonicMs();
    }
    cachedLeader() {
        return this.leader.current(this.now());
    }
    // -------------------------------------------------------------------------------------------
    // getTs: coalescing
    getTs() {
        return this.enqueueTs(1, true);
    }
    getTsBatch(count) {
        return this.enqueueTs(count, false);
    }
    enqueueTs(count, single) {
        if (this.closed)
            return Promise.reject(new TsoError(ErrorCode.CLIENT_CLOSED, 'client is closed'));
        const problem = checkGetTsCount(count);
        if (problem !== null)
            return Promise.reject(new TsoError(problem.code, problem.message));
        if (this.tsQueue.length + this.tsRound.length >= CLIENT_WAITERS_MAX) {
            return Promise.reject(new TsoError(ErrorCode.RESOURCE_EXHAUSTED, `more than ${CLIENT_WAITERS_MAX} getTs calls are waiting`));
        }
        return new Promise((resolve, reject) => {
            this.tsQueue.push({ count, single, deadlineMs: this.now() + this.policy.overallTimeoutMs, resolve, reject, settled: false });
            this.scheduleTsRound();
        });
    }
    scheduleTsRound() {
        if (this.tsRoundActive || this.tsFlushScheduled || this.closed || this.tsQueue.length === 0)
            return;
        this.tsFlushScheduled = true;
        // Next microtask, not a timer: callers made in the same turn share the request, and an
        // idle client adds no latency.
        queueMicrotask(() => {
            this.tsFlushScheduled = false;
            void this.runTsRound();
        });
    }
    settleTs(waiter, outcome) {
        if (waiter.settled)
            return;
        waiter.settled = true;
        if ('error' in outcome)
            waiter.reject(outcome.error);
        else
            waiter.resolve(outcome.value);
    }
    /** Takes waiters from the queue front, in order, while their counts fit one request. */
    takeTsBatch() {
        const batch = [];
        let total = 0;
        const now = this.now();
        for (;;) {
            const head = this.tsQueue.peek();
            if (head === undefined || total + head.count > GET_TS_COUNT_MAX)
                break;
            this.tsQueue.shift();
            if (head.settled)
                continue;
            if (now >= head.deadlineMs) {
                this.settleTs(head, { error: new TsoError(ErrorCode.TIMEOUT, 'getTs waited past its deadline') });
                continue;
            }
            batch.push(head);
            total += head.count;
        }
        return batch;
    }
    async runTsRound() {
        if (this.tsRoundActive || this.closed)
            return;
        this.tsRoundActive = true;
        try {
            this.tsRound = this.takeTsBatch();
            if (this.tsRound.length === 0)
                return;
            const result = await this.issue({
                op: 'getTs',
                body: () => {
                    // Drop callers whose deadline passed; the others are asked for again, afresh.
                    const now = this.now();
                    this.tsRound = this.tsRound.filter((w) => {
                        if (w.settled)
                            return false;
                        if (now < w.deadlineMs)
                            return true;
                        this.settleTs(w, { error: new TsoError(ErrorCode.TIMEOUT, `getTs did not complete within ${this.policy.overallTimeoutMs} ms`) });
                        return false;
                    });
                    const count = this.tsRound.reduce((sum, w) => sum + w.count, 0);
                    if (count === 0)
                        return null;
                    this.emit({ type: 'batch', callers: this.tsRound.length, count });
                    return { op: 'getTs', count };
                },
                deadlineMs: () => this.tsRound.reduce((latest, w) => Math.max(latest, w.deadlineMs), 0),
            });
            if (result.kind === 'gone')
                return;
            if (result.kind === 'failed') {
                const error = new TsoError(result.code, result.message, result.lastCode === null ? undefined : { lastCode: result.lastCode });
                this.emit({ type: 'failed', op: 'getTs', code: result.code });
                for (const w of this.tsRound)
                    this.settleTs(w, { error });
                return;
            }
            this.deliverTs(result.answer, result.asked);
        }
        finally {
            this.tsRound = [];
            this.tsRoundActive = false;
            this.scheduleTsRound();
        }
    }
    /** Slices one grant exactly among the round's callers, in arrival order. */
    deliverTs(answer, asked) {
        assert(isGetTsAnswer(answer), 'client_ts_answer_shape');
        const askedCount = asked.count;
        assert(this.tsRound.reduce((sum, w) => sum + w.count, 0) === askedCount, 'client_ts_round_matches_request');
        if (answer.count !== askedCount) {
            const error = new TsoError(ErrorCode.PROTOCOL_VIOLATION, `asked for ${askedCount} timestamps, got ${answer.count}`);
            this.emit({ type: 'failed', op: 'getTs', code: error.code });
            for (const w of this.tsRound)
                this.settleTs(w, { error });
            return;
        }
        // Hot path (one iteration per caller): a getTs() caller costs one bigint addition, no
        // batch object; `next` is the packed timestamp at `offset`, both advance together.
        let offset = 0;
        let next = packTimestamp(answer.physicalMs, answer.logicalStart);
        for (const w of this.tsRound) {
            if (w.settled) {
                next += BigInt(w.count);
            }
            else if (w.single) {
                w.settled = true;
                w.resolve(next);
                next += 1n;
            }
            else {
                w.settled = true;
                w.resolve(timestampBatch(answer.physicalMs, answer.logicalStart + offset, w.count, answer.epoch));
                next += BigInt(w.count);
            }
            offset += w.count;
        }
    }
    // -------------------------------------------------------------------------------------------
    // getSeq
    getSeq(key, count) {
        if (this.closed)
            return Promise.reject(new TsoError(ErrorCode.CLIENT_CLOSED, 'client is closed'));
        const problem = checkSeqKey(key) ?? checkSeqCount(count);
        if (problem !== null)
            return Promise.reject(new TsoError(problem.code, problem.message));
        if (this.seqInFlight.size >= CLIENT_SEQ_IN_FLIGHT_MAX && this.seqQueue.isFull) {
            return Promise.reject(new TsoError(ErrorCode.RESOURCE_EXHAUSTED, `more than ${CLIENT_SEQ_WAITERS_MAX} getSeq calls are waiting`));
        }
        const requestId = this.nextRequestId;
        this.nextRequestId += 1n;
        return new Promise((resolve, reject) => {
            const call = { key, count, requestId, deadlineMs: this.now() + this.policy.overallTimeoutMs, resolve, reject, settled: false, sent: false };
            if (this.seqInFlight.size < CLIENT_SEQ_IN_FLIGHT_MAX)
                this.startSeq(call);
            else
                this.seqQueue.push(call);
        });
    }
    settleSeq(call, outcome) {
        if (call.settled)
            return;
        call.settled = true;
        if ('error' in outcome)
            call.reject(outcome.error);
        else
            call.resolve(outcome.value);
    }
    startSeq(call) {
        this.seqInFlight.add(call);
        assert(this.seqInFlight.size <= CLIENT_SEQ_IN_FLIGHT_MAX, 'client_seq_in_flight_bounded');
        void this.runSeq(call).finally(() => {
            this.seqInFlight.delete(call);
            this.pumpSeq();
        });
    }
    pumpSeq() {
        while (!this.closed && this.seqInFlight.size < CLIENT_SEQ_IN_FLIGHT_MAX) {
            const next = this.seqQueue.shift();
            if (next === undefined)
                return;
            if (next.settled)
                continue;
            if (this.now() >= next.deadlineMs) {
                // Never sent: the outcome is known (nothing happened), so this is a plain timeout.
                this.settleSeq(next, { error: new TsoError(ErrorCode.TIMEOUT, 'getSeq waited past its deadline', { requestId: next.requestId }) });
                continue;
            }
            this.startSeq(next);
        }
    }
    async runSeq(call) {
        const seqBody = (requestId) => ({ op: 'getSeq', key: call.key, count: call.count, clientId: this.clientId, requestId });
        let body = seqBody(call.requestId);
        let retryUnderNewId = false;
        const result = await this.issue({
            op: 'getSeq',
            body: () => {
                if (call.settled)
                    return null;
                if (retryUnderNewId) {
                    // Planted bug: the retry is a new request, so the server may spend a second block.
                    retryUnderNewId = false;
                    body = seqBody(this.nextRequestId);
                    this.nextRequestId += 1n;
                }
                return body;
            },
            onOutcomeUnknown: () => {
                if (this.faults.newRequestIdOnRetry === true)
                    retryUnderNewId = true;
            },
            deadlineMs: () => call.deadlineMs,
            onSent: () => {
                call.sent = true;
            },
        });
        if (result.kind === 'gone')
            return;
        if (result.kind === 'answer') {
            const answer = result.answer;
            assert(isGetSeqAnswer(answer), 'client_seq_answer_shape');
            if (answer.count !== call.count) {
                // A block was granted, but not the one asked for: nobody can tell what the ledger holds.
                this.settleSeq(call, { error: this.seqUncertain(call, `asked for ${call.count} values, got ${answer.count}`, ErrorCode.PROTOCOL_VIOLATION) });
                return;
            }
            this.settleSeq(call, { value: { key: call.key, start: answer.start, count: answer.count, epoch: answer.epoch } });
            return;
        }
        this.emit({ type: 'failed', op: 'getSeq', code: result.outcomeUnknown ? ErrorCode.SEQ_UNCERTAIN : result.code });
        if (result.outcomeUnknown || result.code === ErrorCode.SEQ_UNCERTAIN) {
            this.settleSeq(call, { error: this.seqUncertain(call, result.message, result.lastCode ?? result.code) });
            return;
        }
        this.settleSeq(call, { error: new TsoError(result.code, result.message, { requestId: call.requestId, ...(result.lastCode === null ? {} : { lastCode: result.lastCode }) }) });
    }
    seqUncertain(call, message, cause) {
        return new TsoError(ErrorCode.SEQ_UNCERTAIN, `getSeq outcome unknown (${message}); the block may or may not have been granted`, {
            requestId: call.requestId,
            clientId: this.clientId,
            key: call.key,
            count: call.count,
            cause,
        });
    }
    // -------------------------------------------------------------------------------------------
    // The retry loop shared by both operations
    async issue(spec) {
        const attemptsMax = Math.max(this.policy.attemptsMax, this.endpoints.length);
        const worklist = new Worklist(this.endpoints);
        let failures = 0;
        let backoffs = 0;
        let redirectsTotal = 0;
        let redirectsThisPass = 0;
        let electionSeen = false;
        // Riding out elections (the original's PR #417): once this call has seen evidence that
        // leadership is moving — a NOT_LEADER without a usable hint, or a hinted leader that cannot be
        // reached (followers keep pointing at a dead leader until their election timeout) — failed
        // attempts no longer end the call; the overall deadline does. A cluster that is wholly
        // unreachable gives no such evidence and still ends after attemptsMax failures.
        let ridingOutElection = false;
        const hintedEndpoints = new Set();
        let outcomeUnknown = false;
        let reachedAServer = false;
        let last = null;
        const startPass = () => {
            worklist.clearFront();
            worklist.startPass(this.leader.current(this.now())?.endpoint ?? null, this.roundRobinOffset);
            this.roundRobinOffset = (this.roundRobinOffset + 1) % this.endpoints.length;
            redirectsThisPass = 0;
            electionSeen = false;
        };
        const giveUp = (code, message) => ({ kind: 'failed', code, message, outcomeUnknown, lastCode: last?.code ?? null });
        const timedOut = () => giveUp(ErrorCode.TIMEOUT, `no answer within ${this.policy.overallTimeoutMs} ms${last === null ? '' : ` (last: ${last.code}: ${last.message})`}`);
        /** Sleeps the next full-jitter backoff, cut at the deadline. False when the client closed. */
        const backOff = async () => {
            const remainingMs = spec.deadlineMs() - this.now();
            const delayMs = Math.max(0, Math.min(backoffDelayMs(this.policy, backoffs, this.random), remainingMs));
            backoffs += 1;
            this.emit({ type: 'backoff', op: spec.op, delayMs });
            await this.pause(delayMs);
            return !this.closed;
        };
        startPass();
        for (;;) {
            if (this.closed)
                return { kind: 'gone' };
            if (spec.deadlineMs() - this.now() <= 0)
                return timedOut();
            const body = spec.body();
            if (body === null)
                return { kind: 'gone' };
            const remainingMs = spec.deadlineMs() - this.now();
            if (remainingMs <= 0)
                return timedOut();
            const endpoint = worklist.next();
            if (endpoint === null) {
                // End of a pass. After an election signal, wait before polling everyone again.
                if (electionSeen && !(await backOff()))
                    return { kind: 'gone' };
                startPass();
                continue;
            }
            const startedMs = this.now();
            this.emit({ type: 'attempt', op: spec.op, endpoint, count: body.count });
            const outcome = await this.attempt(endpoint, body, Math.min(this.policy.attemptTimeoutMs, remainingMs), spec.onSent);
            if (outcome.kind === 'gone' || this.closed)
                return { kind: 'gone' };
            if (outcome.kind === 'answer') {
                reachedAServer = true;
                const answer = outcome.answer;
                this.emit({ type: 'answer', op: spec.op, endpoint, code: answer.ok ? 'OK' : answer.code, latencyMs: this.now() - startedMs });
                if (answer.ok) {
                    this.leader.recordSuccess(endpoint, answer.epoch, this.now());
                    return { kind: 'answer', answer, asked: body };
                }
                const code = answer.code;
                if (code === ErrorCode.NOT_LEADER) {
                    this.leader.forget(endpoint);
                    const hinted = answer.leaderEndpoint === undefined ? null : normalizeEndpoint(answer.leaderEndpoint);
                    const reason = answer.leaderEndpoint === undefined ? 'none'
                        : hinted === null ? 'malformed'
                            : hinted.endpoint === endpoint ? 'self'
                                : this.leader.judgeHint(answer.leaderEpoch, this.now()) === 'stale' ? 'stale'
                                    : redirectsThisPass >= CLIENT_REDIRECTS_PER_PASS_MAX ? 'redirect_cap'
                                        : null;
                    last = { code, message: answer.message };
                    if (reason !== null || hinted === null) {
                        this.emit({ type: 'hintIgnored', op: spec.op, endpoint, reason: reason ?? 'malformed' });
                        electionSeen = true;
                        ridingOutElection = true;
                        continue;
                    }
                    redirectsTotal += 1;
                    redirectsThisPass += 1;
                    if (redirectsTotal > CLIENT_REDIRECTS_PER_CALL_MAX) {
                        return giveUp(ErrorCode.NOT_LEADER, `followed ${CLIENT_REDIRECTS_PER_CALL_MAX} leader hints without reaching the leader`);
                    }
                    this.emit({ type: 'redirect', op: spec.op, from: endpoint, to: hinted.endpoint, epoch: answer.leaderEpoch ?? null });
                    hintedEndpoints.add(hinted.endpoint);
                    worklist.pushFront(hinted.endpoint);
                    continue;
                }
                if (isDefinitive(code)) {
                    // Not executed. (If an earlier attempt of this getSeq may have been, the outcome as a
                    // whole is still unknown: `outcomeUnknown` carries that to the caller.)
                    last = { code, message: answer.message };
                    return giveUp(code, answer.message);
                }
                if (code === ErrorCode.SEQ_SESSION_EXPIRED) {
                    last = { code, message: answer.message };
                    if (spec.op === 'getSeq')
                        return { kind: 'failed', code: ErrorCode.SEQ_UNCERTAIN, message: answer.message, outcomeUnknown: true, lastCode: code };
                    return giveUp(ErrorCode.PROTOCOL_VIOLATION, `getTs answered with ${code}`);
                }
                // UNAVAILABLE or INTERNAL: the server may have executed it (a durable write can fail
                // after the data reached the disk); safe to retry with the same request.
                assert(code === ErrorCode.UNAVAILABLE || code === ErrorCode.INTERNAL, 'client_error_code_classified', code);
                if (spec.op === 'getSeq')
                    outcomeUnknown = true;
                spec.onOutcomeUnknown?.();
                last = { code, message: answer.message };
            }
            else {
                // No answer: a failed dial (not sent), a lost connection or a timeout.
                this.emit({ type: 'attemptFailed', op: spec.op, endpoint, code: outcome.code, sent: outcome.sent, message: outcome.message });
                if (outcome.sent) {
                    reachedAServer = true;
                    if (spec.op === 'getSeq')
                        outcomeUnknown = true;
                    spec.onOutcomeUnknown?.();
                }
                last = { code: outcome.code, message: outcome.message };
                if (outcome.code === ErrorCode.PROTOCOL_VIOLATION) {
                    return { kind: 'failed', code: ErrorCode.PROTOCOL_VIOLATION, message: outcome.message, outcomeUnknown, lastCode: outcome.code };
                }
                this.pool.evict(endpoint, `${outcome.code}: ${outcome.message}`);
                this.leader.forget(endpoint);
                if (hintedEndpoints.has(endpoint))
                    ridingOutElection = true;
            }
            failures += 1;
            if (failures >= attemptsMax && !ridingOutElection) {
                if (!reachedAServer)
                    return giveUp(ErrorCode.NO_REACHABLE_ENDPOINTS, `no endpoint could be reached (last: ${last.message})`);
                return giveUp(last.code, `gave up after ${failures} failed attempts: ${last.message}`);
            }
            if (!(await backOff()))
                return { kind: 'gone' };
        }
    }
    /** One request to one endpoint, bounded by `timeoutMs` (connecting included). */
    attempt(endpoint, body, timeoutMs, onSent) {
        // Endpoints learnt from hints are parsed again here rather than remembered, so a stream of
        // hints cannot grow a map; every worklist entry was normalized, so it parses.
        const address = this.addresses.get(endpoint) ?? parseHostPort(endpoint);
        assert(address !== null, 'client_endpoint_parses', endpoint);
        const channel = this.pool.get(endpoint, address);
        if (channel === null) {
            return Promise.resolve({ kind: 'failed', sent: false, code: ErrorCode.TRANSPORT, message: 'every connection slot is busy' });
        }
        return new Promise((resolve) => {
            let done = false;
            let sentId = null;
            const finish = (outcome) => {
                if (done)
                    return;
                done = true;
                timer.cancel();
                this.interrupts.delete(interrupt);
                resolve(outcome);
            };
            const interrupt = () => finish({ kind: 'gone' });
            const timer = this.clock.setTimer(timeoutMs, () => {
                if (sentId !== null)
                    channel.abandon(sentId);
                finish({ kind: 'failed', sent: sentId !== null, code: ErrorCode.TIMEOUT, message: `no answer from ${endpoint} within ${timeoutMs} ms` });
            });
            this.interrupts.add(interrupt);
            channel.open().then(() => {
                if (done)
                    return;
                sentId = channel.send(body, {
                    onAnswer: (answer) => finish({ kind: 'answer', answer }),
                    onFailure: (failure) => finish({ kind: 'failed', sent: failure.sent, code: failure.code, message: failure.message }),
                });
                if (sentId === null)
                    finish({ kind: 'failed', sent: false, code: ErrorCode.TRANSPORT, message: `connection to ${endpoint} closed before the request was sent` });
                else
                    onSent?.();
            }, (e) => finish({ kind: 'failed', sent: false, code: ErrorCode.TRANSPORT, message: e instanceof Error ? e.message : String(e) }));
        });
    }
    /** A backoff sleep on the injected clock that close() cuts short. */
    pause(delayMs) {
        if (delayMs <= 0)
            return Promise.resolve();
        return new Promise((resolve) => {
            const wake = () => {
                timer.cancel();
                this.interrupts.delete(wake);
                resolve();
            };
            const timer = this.clock.setTimer(delayMs, wake);
            this.interrupts.add(wake);
        });
    }
    // -------------------------------------------------------------------------------------------
    // close
    close() {
        if (this.closed)
            return Promise.resolve();
        this.closed = true;
        const closedError = (details) => new TsoError(ErrorCode.CLIENT_CLOSED, 'client was closed', details);
        for (const w of [...this.tsRound, ...this.tsQueue.drain()])
            this.settleTs(w, { error: closedError() });
        for (const call of [...this.seqInFlight, ...this.seqQueue.drain()]) {
            // A getSeq already sent may have been granted: say so, with its requestId.
            this.settleSeq(call, { error: closedError({ requestId: call.requestId, outcomeUnknown: call.sent }) });
        }
        for (const interrupt of [...this.interrupts])
            interrupt();
        this.interrupts.clear();
        this.pool.closeAll('client closed');
        return Promise.resolve();
    }
}
//# sourceMappingURL=client.js.map