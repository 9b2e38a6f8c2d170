// The client's retry policy and its jittered backoff. Defaults are the original's: 5 failed
// attempts, 2 s per attempt (connect plus answer), 10 s overall per call, 50 ms base backoff with
// full jitter capped at 5 s, 30 s leader cache; plus ours: a 500 ms stall timeout with several
// endpoints (docs/client.md, "Retries"). All delays are monotonic milliseconds read from
// the injected Clock; randomness comes only from the injected `random`.
//
// Invariants: every field of a resolved policy is a positive safe integer (or, for
// `attemptsMax`, an integer >= 1); a backoff delay is in [0, min(cap, base * 2^n)].

import {
  CLIENT_ATTEMPT_TIMEOUT_MS,
  CLIENT_ATTEMPTS_MAX,
  CLIENT_BACKOFF_BASE_MS,
  CLIENT_BACKOFF_CAP_MS,
  CLIENT_LEADER_CACHE_TTL_MS,
  CLIENT_OVERALL_TIMEOUT_MS,
  CLIENT_STALL_TIMEOUT_MS,
} from '../../core/limits.js';
import { ErrorCode, TsoError } from '../../core/errors.js';

export interface RetryPolicy {
  /** Failed attempts (connect failures, lost requests, UNAVAILABLE, INTERNAL) before giving up;
   *  floored at the number of configured endpoints so each is tried once. Redirects and
   *  "no leader yet" answers are not counted: those are bounded by the overall deadline. */
  readonly attemptsMax: number;
  /** Deadline of one attempt: connecting (if needed) plus the answer. */
  readonly attemptTimeoutMs: number;
  /** With more than one endpoint, an attempt that has no answer after this long is left (without
   *  closing its connection) and the next endpoint is tried; the n-th stall at the same endpoint
   *  within one call waits stallTimeoutMs * 2^n, never more than attemptTimeoutMs. */
  readonly stallTimeoutMs: number;
  /** Deadline of one call, from the moment it is made (queueing included). */
  readonly overallTimeoutMs: number;
  /** Backoff before retry n (0-based) is uniform in [0, min(backoffCapMs, backoffBaseMs * 2^n)]. */
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** How long a leader that answered stays first in line without being used again. */
  readonly leaderTtlMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  attemptsMax: CLIENT_ATTEMPTS_MAX,
  attemptTimeoutMs: CLIENT_ATTEMPT_TIMEOUT_MS,
  stallTimeoutMs: CLIENT_STALL_TIMEOUT_MS,
  overallTimeoutMs: CLIENT_OVERALL_TIMEOUT_MS,
  backoffBaseMs: CLIENT_BACKOFF_BASE_MS,
  backoffCapMs: CLIENT_BACKOFF_CAP_MS,
  leaderTtlMs: CLIENT_LEADER_CACHE_TTL_MS,
});

/** Overrides the defaults; throws TsoError(INVALID_CONFIG) for a value that is not a positive integer. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  for (const [name, value] of Object.entries(policy)) {
    const floor = name === 'backoffBaseMs' || name === 'backoffCapMs' ? 0 : 1;
    if (!Number.isSafeInteger(value) || (value as number) < floor) {
      throw new TsoError(ErrorCode.INVALID_CONFIG, `retry.${name} must be an integer >= ${floor}, got ${String(value)}`);
    }
  }
  return Object.freeze(policy);
}

/** Full-jitter backoff before retry `n` (0-based): uniform in [0, min(cap, base * 2^n)]. */
export function backoffDelayMs(policy: RetryPolicy, n: number, random: () => number): number {
  const ceiling = Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** Math.min(n, 30));
  const r = random();
  const unit = Number.isFinite(r) && r >= 0 && r < 1 ? r : 0;
  return Math.floor(unit * (ceiling + 1));
}
