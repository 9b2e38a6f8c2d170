// The load of a stress run: several clients (one `createClient` each, as separate processes would
// have, each with every node's endpoint), each running concurrent loops of getTs, getTsBatch and
// getSeq on a few shared keys, with no think time. Every call is invoked and ended in the
// StressHistory, which checks it at once.
//
// Invariants: a loop has at most one call in flight; `stop()` ends in bounded time (loops finish
// their current call, which the client bounds by its overall deadline; past STOP_BOUND_MS the
// clients are closed, which ends every pending call with CLIENT_CLOSED).

import type { TsoClient } from '../client.js';
import { createClient } from '../client.js';
import { TsoError } from '../../core/errors.js';
import { createClientCore } from '../../drivers/client/index.js';
import { NodeClock } from '../../drivers/node/clock.js';
import { NodeKeepAlive } from '../../drivers/node/keep-alive.js';
import { NodeTransport } from '../../drivers/node/transport.js';
import type { StressHistory } from './history.js';
import type { SeqResolver } from './resolver.js';

/** Per client: loops of single getTs calls. */
export const TS_LOOPS_PER_CLIENT = 2;
/** Per client: loops of getTsBatch calls (sizes drawn in [2, TS_BATCH_COUNT_MAX]). */
export const TS_BATCH_LOOPS_PER_CLIENT = 1;
export const TS_BATCH_COUNT_MAX = 32;
/** Bound on stop(): the client's overall deadline (10 s) plus one attempt, with margin. */
export const LOAD_STOP_BOUND_MS = 20_000;
/** Load clients are named `load-1`, `load-2`... in the history. */
export const LOAD_CLIENT_PREFIX = 'load-';
/** Pause of a loop after a failed call (the client has already backed off inside the call). */
const FAILED_CALL_PAUSE_MS = 5;

/** The keys under load and the block size each is asked in (one size per key keeps holes countable). */
export const SEQ_KEYS: ReadonlyArray<readonly [string, number]> = [
  ['stress-orders', 1],
  ['stress-invoices', 3],
  ['stress-ids', 8],
];

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One getTs through `client`, recorded in `history` (the epoch comes from the client's leader cache, set by the answer). */
export async function recordedGetTs(history: StressHistory, client: TsoClient, name: string): Promise<boolean> {
  const op = history.invoke('getTs', name, 1);
  try {
    const ts = await client.getTs();
    history.completeTs(op, ts, ts, client.cachedLeader()?.epoch ?? null);
    return true;
  } catch (e) {
    history.fail(op, e);
    return false;
  }
}

export async function recordedGetTsBatch(history: StressHistory, client: TsoClient, name: string, count: number): Promise<boolean> {
  const op = history.invoke('getTsBatch', name, count);
  try {
    const batch = await client.getTsBatch(count);
    history.completeTs(op, batch.first, batch.last, batch.epoch);
    return true;
  } catch (e) {
    history.fail(op, e);
    return false;
  }
}

/**
 * One getSeq; returns the block's start, or null when it failed (recorded either way). An
 * unknown outcome is read back through `resolver` (same clientId and requestId) when one is given.
 */
export async function recordedGetSeq(history: StressHistory, client: TsoClient, name: string, key: string, count: number, resolver: SeqResolver | null): Promise<bigint | null> {
  const op = history.invoke('getSeq', name, count, key);
  try {
    const block = await client.getSeq(key, count);
    history.completeSeq(op, block.key, block.start, block.count);
    return block.start;
  } catch (e) {
    const requestId = e instanceof TsoError ? e.details?.requestId : undefined;
    if (resolver !== null && typeof requestId === 'bigint' && history.classify(op, e).unknown) {
      const result = await resolver.resolve({ clientId: client.clientId, requestId, key, count });
      if (result.kind === 'block') {
        history.completeSeqResolved(op, e, result.start, result.count);
        return result.start;
      }
    }
    history.fail(op, e);
    return null;
  }
}

export class Load {
  private running = false;
  private readonly clients: TsoClient[] = [];
  private readonly loops: Array<Promise<void>> = [];

  constructor(
    private readonly history: StressHistory,
    private readonly endpoints: readonly string[],
    private readonly clientCount: number,
    private readonly random: () => number,
    /** Reads back getSeq calls whose outcome is unknown (null: leave them unknown). */
    private readonly resolver: SeqResolver | null,
    /** Planted bug: the clients retry a getSeq under a new request id (a positive control). */
    private readonly newRequestIdOnRetry = false,
  ) {}

  private makeClient(): TsoClient {
    if (!this.newRequestIdOnRetry) return createClient({ endpoints: this.endpoints });
    return createClientCore({
      endpoints: this.endpoints,
      transport: new NodeTransport(),
      clock: new NodeClock({ unrefTimers: true }),
      keepAlive: new NodeKeepAlive(),
      random: Math.random,
      faults: { newRequestIdOnRetry: true },
      // Patient, so a retry reaches the node again after a restart, and quick to give up on an
      // attempt, so a frozen node gets the retries queued behind the original: the bug bites then.
      retry: { attemptsMax: 100, attemptTimeoutMs: 500, overallTimeoutMs: 20_000, backoffCapMs: 200 },
    });
  }

  start(): void {
    this.running = true;
    for (let c = 0; c < this.clientCount; c += 1) {
      const client = this.makeClient();
      this.clients.push(client);
      const name = `${LOAD_CLIENT_PREFIX}${c + 1}`;
      for (let i = 0; i < TS_LOOPS_PER_CLIENT; i += 1) this.loops.push(this.loop(() => recordedGetTs(this.history, client, name)));
      for (let i = 0; i < TS_BATCH_LOOPS_PER_CLIENT; i += 1) {
        this.loops.push(this.loop(() => recordedGetTsBatch(this.history, client, name, 2 + Math.floor(this.random() * (TS_BATCH_COUNT_MAX - 1)))));
      }
      for (const [key, count] of SEQ_KEYS) this.loops.push(this.loop(async () => (await recordedGetSeq(this.history, client, name, key, count, this.resolver)) !== null));
    }
  }

  private async loop(call: () => Promise<boolean>): Promise<void> {
    while (this.running) {
      if (!(await call())) await sleepMs(FAILED_CALL_PAUSE_MS);
    }
  }

  /** Stops the loops (each finishes its call), then closes the clients. */
  async stop(): Promise<void> {
    this.running = false;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, LOAD_STOP_BOUND_MS);
    });
    await Promise.race([Promise.all(this.loops), bound]);
    clearTimeout(timer);
    await Promise.all(this.clients.map((c) => c.close()));
    await Promise.all(this.loops);
  }
}
