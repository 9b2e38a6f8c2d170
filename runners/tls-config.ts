// What a server process may expose, and the TLS of its peer port (docs/security.md).
//
// Invariants:
//   - Off loopback, a client listener (the native port, the gRPC port) that is plaintext AND
//     unauthenticated (no TLS, no token) is refused with INVALID_CONFIG before anything is bound
//     or written, unless `--insecure` is given. On loopback the zero-flag default is unchanged.
//   - Off loopback, a plaintext peer port (Raft, Paxos) is refused the same way unless
//     `--allow-insecure-peer` is given (the original's flag).
//   - With TLS, peers speak TLS both ways with the server's certificate: the peer listener
//     requires a client certificate signed by `--tls-ca` (mTLS between peers) and outgoing peer
//     connections verify the other node against it; a plaintext peer is refused by the handshake.
//     `--allow-insecure-peer` with TLS also accepts plaintext peers on the same port (a rolling
//     migration), never the other way round.
//   - The HTTP port (/metrics, /healthz, /readyz) is plaintext unless `--http-tls`, which serves it
//     with the same certificate (and, with `--tls-ca`, mTLS); plaintext HTTP off loopback is
//     allowed: it is read-only and carries no secret (docs/security.md says why).
//   - Loopback means 127.0.0.0/8, ::1 and `localhost`; a wildcard (0.0.0.0, ::) is off loopback.
import { isIP } from 'node:net';
import { ErrorCode, TsoError } from '../core/errors.js';
import type { NodeTransportOptions, TlsServerOptions } from '../drivers/node/transport.js';

export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** One listener a server is about to open. */
export interface ExposedListener {
  /** The flag that names it, for the message (`--listen`, `--grpc-listen`, `--peers: node 1's Raft address`). */
  readonly flag: string;
  readonly host: string;
  readonly kind: 'client' | 'peer';
  /** It speaks TLS. */
  readonly tls: boolean;
  /** It requires a token. */
  readonly token: boolean;
}

export interface ExposurePolicy {
  /** `--insecure`: plaintext unauthenticated client listeners off loopback are allowed. */
  readonly insecure?: boolean;
  /** `--allow-insecure-peer`: plaintext peer listeners off loopback are allowed. */
  readonly allowInsecurePeer?: boolean;
}

/** Throws INVALID_CONFIG for the first listener the policy does not allow (see the file comment). */
export function checkExposure(listeners: readonly ExposedListener[], policy: ExposurePolicy): void {
  for (const listener of listeners) {
    if (isLoopbackHost(listener.host)) continue;
    if (listener.kind === 'client' && !listener.tls && !listener.token && policy.insecure !== true) {
      throw new TsoError(
        ErrorCode.INVALID_CONFIG,
        `${listener.flag} ${listener.host} is off loopback with neither TLS nor a token: give --tls-cert/--tls-key (and --tls-ca for mTLS) or --auth-token-file, or --insecure to serve plaintext to anyone who can reach it`,
      );
    }
    if (listener.kind === 'peer' && !listener.tls && policy.allowInsecurePeer !== true) {
      throw new TsoError(
        ErrorCode.INVALID_CONFIG,
        `${listener.flag} ${listener.host} is off loopback without TLS: give --tls-cert/--tls-key/--tls-ca, or --allow-insecure-peer to run peers in plaintext`,
      );
    }
  }
}

/** The peer transport's TLS: the node's certificate both ways, verified against the CA. */
export function peerTransportTls(tls: TlsServerOptions | undefined, allowInsecurePeer: boolean): Pick<NodeTransportOptions, 'tlsServer' | 'tlsClient'> {
  if (tls === undefined) return {};
  return {
    tlsServer: { cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}), ...(allowInsecurePeer ? { allowPlaintext: true } : {}) },
    tlsClient: { cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) },
  };
}

/**
 * `--http-tls` needs the server's TLS material and an HTTP port: INVALID_CONFIG otherwise, before
 * anything is bound or written. `httpOff`: --http-listen is off.
 */
export function checkHttpTls(httpTls: boolean, tls: TlsServerOptions | undefined, httpOff: boolean): void {
  if (!httpTls) return;
  if (tls === undefined) throw new TsoError(ErrorCode.INVALID_CONFIG, '--http-tls needs --tls-cert and --tls-key: the HTTP port serves their certificate');
  if (httpOff) throw new TsoError(ErrorCode.INVALID_CONFIG, '--http-tls needs an HTTP port: --http-listen is off');
}
