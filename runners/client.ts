// The client library bound to Node: real TCP (NodeTransport), the real clock (NodeClock) and
// Math.random for jitter and the default clientId. All behaviour lives in drivers/client/,
// written against the ports, so this file only wires; the simulator binds the same client
// core to its own ports instead.

import { LISTEN_ADDRESS_DEFAULT } from '../core/limits.js';
import { createClientCore, type ClientEvent, type RetryPolicy, type TsoClient } from '../drivers/client/index.js';
import { NodeClock } from '../drivers/node/clock.js';
import { NodeKeepAlive } from '../drivers/node/keep-alive.js';
import { NodeTransport, type TlsClientOptions } from '../drivers/node/transport.js';

export type { CachedLeader, ClientEvent, ClusterMembers, RetryPolicy, SafePoint, SeqBatch, StampingLease, SeqBlock, TimestampBatch, TsoClient } from '../drivers/client/index.js';

export interface ClientOptions {
  /** Server endpoints `host:port` (default: the server's default listen address). */
  readonly endpoints?: readonly string[];
  /** Overrides of the retry policy's defaults. */
  readonly retry?: Partial<RetryPolicy>;
  /** u64 id of this client's getSeq session (default: random; request ids start from the wall clock, docs/client.md). */
  readonly clientId?: bigint;
  /** Observes attempts, redirects, backoffs and failures (metrics, tracing). */
  readonly onEvent?: (event: ClientEvent) => void;
  /** Speak TLS to every endpoint: the CA to trust, a client certificate for mTLS, the name to verify. */
  readonly tls?: TlsClientOptions;
  /** The token of a server started with `--auth-token-file`: sent on the first request of each connection; never logged. */
  readonly token?: string;
  /** How often the client asks the leader for the members (default 30,000 ms; 0: only `members()`; docs/client.md). */
  readonly membersRefreshMs?: number;
}

/** A client over TCP. Throws TsoError(INVALID_CONFIG / NO_REACHABLE_ENDPOINTS) for bad options. */
export function createClient(options: ClientOptions = {}): TsoClient {
  return createClientCore({
    endpoints: options.endpoints ?? [LISTEN_ADDRESS_DEFAULT],
    // Unref'd connections: an idle client never holds the process open (the keep-alive does
    // while a call is pending).
    transport: new NodeTransport({ unrefConnections: true, ...(options.tls === undefined ? {} : { tlsClient: options.tls }) }),
    // Unref'd timers: the client's own timers never keep the process alive; the keep-alive
    // does, exactly while a call is pending (an idle or closed client holds nothing).
    clock: new NodeClock({ unrefTimers: true }),
    keepAlive: new NodeKeepAlive(),
    random: Math.random,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.tls === undefined ? {} : { tls: true }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.membersRefreshMs === undefined ? {} : { membersRefreshMs: options.membersRefreshMs }),
  });
}
