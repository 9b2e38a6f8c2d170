export interface RetryPolicy {
    /** Failed attempts (connect failures, lost requests, UNAVAILABLE, INTERNAL) before giving up;
     *  floored at the number of configured endpoints so each is tried once. Redirects and
     *  "no leader yet" answers are not counted: those are bounded by the overall deadline. */
    readonly attemptsMax: number;
    /** Deadline of one attempt: connecting (if needed) plus the answer. */
    readonly attemptTimeoutMs: number;
    /** Deadline of one call, from the moment it is made (queueing included). */
    readonly overallTimeoutMs: number;
    /** Backoff before retry n (0-based) is uniform in [0, min(backoffCapMs, backoffBaseMs * 2^n)]. */
    readonly backoffBaseMs: number;
    readonly backoffCapMs: number;
    /** How long a leader that answered stays first in line without being used again. */
    readonly leaderTtlMs: number;
}
export declare const DEFAULT_RETRY_POLICY: RetryPolicy;
/** Overrides the defaults; throws TsoError(INVALID_CONFIG) for a value that is not a positive integer. */
export declare function resolveRetryPolicy(overrides?: Partial<RetryPolicy>): RetryPolicy;
/** Full-jitter backoff before retry `n` (0-based): uniform in [0, min(cap, base * 2^n)]. */
export declare function backoffDelayMs(policy: RetryPolicy, n: number, random: () => number): number;
