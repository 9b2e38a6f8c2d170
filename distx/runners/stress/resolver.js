// Read-back of getSeq calls whose outcome the client could not learn (SEQ_UNCERTAIN, or closed
// after sending): the coordinator-level resolution the reference recommends. The harness sends
// the very same request — same clientId, same requestId, same key and count — until a leader
// answers. The ledger is exactly-once per (clientId, requestId) (core/ledger.ts), so the answer
// is THE block of that call: the one granted when the lost attempt was executed, or, when it
// never was, the one granted now. Either way it was granted between the call's invocation and
// the read-back's answer, so the call counts as acknowledged over that whole span and is checked
// like every other block. SEQ_SESSION_EXPIRED means the session forgot the request: the outcome
// stays unknown (and may explain a hole of the ledger).
//
// Why it matters: without read-back, every unknown call may explain a hole of its size, so a
// request executed twice (a retry not recognised as one) can hide behind them. With read-back,
// only the calls the ledger forgot can explain anything.
//
// Written on the client's own Channel (drivers/client/channel.ts) over the Node transport; every
// read-back is bounded by its deadline.
import { ErrorCode } from '../../core/errors.js';
import { ChannelPool } from '../../drivers/client/channel.js';
import { NodeTransport } from '../../drivers/node/transport.js';
import { parseHostPort } from '../../drivers/ports.js';
/** One read-back attempt's bound (connect plus answer). */
export const RESOLVE_ATTEMPT_TIMEOUT_MS = 1_000;
/** Bound on one read-back as a whole. */
export const RESOLVE_BOUND_MS_DEFAULT = 30_000;
/** Pause between attempts that found no leader. */
const RESOLVE_RETRY_PAUSE_MS = 25;
function sleepMs(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
export class SeqResolver {
    endpoints;
    pool = new ChannelPool(new NodeTransport(), { connected: () => { }, disconnected: () => { } });
    closed = false;
    roundRobin = 0;
    constructor(endpoints) {
        this.endpoints = endpoints;
    }
    async resolve(request, boundMs = RESOLVE_BOUND_MS_DEFAULT) {
        const deadlineMs = performance.now() + boundMs;
        let hinted = null;
        let lastCode = 'TIMEOUT';
        while (!this.closed && performance.now() < deadlineMs) {
            const endpoint = hinted ?? this.endpoints[this.roundRobin++ % this.endpoints.length] ?? '';
            hinted = null;
            const remainingMs = Math.max(1, Math.min(RESOLVE_ATTEMPT_TIMEOUT_MS, deadlineMs - performance.now()));
            const result = await this.attempt(endpoint, request, remainingMs);
            if (result.kind === 'failed') {
                lastCode = ErrorCode.TRANSPORT;
                this.pool.evict(endpoint, result.message);
                await sleepMs(RESOLVE_RETRY_PAUSE_MS);
                continue;
            }
            const answer = result.answer;
            if (answer.ok) {
                if ('start' in answer)
                    return { kind: 'block', start: answer.start, count: answer.count };
                return { kind: 'unresolved', code: ErrorCode.PROTOCOL_VIOLATION };
            }
            lastCode = answer.code;
            switch (answer.code) {
                case ErrorCode.NOT_LEADER:
                    if (answer.leaderEndpoint !== undefined && answer.leaderEndpoint !== endpoint && parseHostPort(answer.leaderEndpoint) !== null)
                        hinted = answer.leaderEndpoint;
                    else
                        await sleepMs(RESOLVE_RETRY_PAUSE_MS);
                    continue;
                case ErrorCode.UNAVAILABLE:
                case ErrorCode.INTERNAL:
                    await sleepMs(RESOLVE_RETRY_PAUSE_MS);
                    continue;
                case ErrorCode.SEQ_SESSION_EXPIRED:
                case ErrorCode.INVALID_ARGUMENT:
                case ErrorCode.RESOURCE_EXHAUSTED:
                case ErrorCode.BAD_FRAME:
                    return { kind: 'unresolved', code: answer.code };
            }
        }
        return { kind: 'unresolved', code: lastCode };
    }
    attempt(endpoint, request, timeoutMs) {
        const address = parseHostPort(endpoint);
        const channel = address === null ? null : this.pool.get(endpoint, address);
        if (channel === null)
            return Promise.resolve({ kind: 'failed', message: `cannot use ${endpoint}` });
        return new Promise((resolve) => {
            let done = false;
            let sentId = null;
            const finish = (result) => {
                if (done)
                    return;
                done = true;
                clearTimeout(timer);
                resolve(result);
            };
            const timer = setTimeout(() => {
                if (sentId !== null)
                    channel.abandon(sentId);
                finish({ kind: 'failed', message: `no answer from ${endpoint} within ${timeoutMs} ms` });
            }, timeoutMs);
            channel.open().then(() => {
                if (done)
                    return;
                sentId = channel.send({ op: 'getSeq', key: request.key, count: request.count, clientId: request.clientId, requestId: request.requestId }, { onAnswer: (answer) => finish({ kind: 'answer', answer }), onFailure: (failure) => finish({ kind: 'failed', message: failure.message }) });
                if (sentId === null)
                    finish({ kind: 'failed', message: `connection to ${endpoint} closed` });
            }, (e) => finish({ kind: 'failed', message: e instanceof Error ? e.message : String(e) }));
        });
    }
    close() {
        this.closed = true;
        this.pool.closeAll('resolver closed');
    }
}
//# sourceMappingURL=resolver.js.map