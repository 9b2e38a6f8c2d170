#!/usr/bin/env node
// The `tsoracle` command line (commander). Bare `tsoracle` is `tsoracle serve file` with the
// defaults of DESIGN.md. The server prints `serving on H:P` on stdout once it accepts requests
// (supervisors read it) and shuts down gracefully, in bounded time, on SIGINT and SIGTERM.
//
// Exit codes (README "Exit codes" says the same):
//   0  ok (also `--help`, `--version`, `help CMD`)
//   1  a failure: the error, with its stable code, is printed as `error: CODE: ...` on stderr
//   2  a usage error: one line `error: <why>` and one line `(run 'tsoracle CMD --help' for
//      usage)` on stderr, never the whole help text
//   `sim` has its own codes (DESIGN.md): 0 ok, 1 safety violation, 2 usage, 3 liveness failure,
//   4 nondeterminism; `fuzz` exits 1 when it found something.
// Every non-zero exit prints an `error: ` line on stderr first.
//
// Usage errors are found while parsing, before anything is opened, bound or written: every
// flag's value is checked by its parser (durations, counts, addresses, keys, ranges), so a bad
// value never reaches a driver (an assertion there is a bug, not a message) and never leaves a
// half-made data directory behind.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TsoError } from '../core/errors.js';
import {
  CLIENT_OVERALL_TIMEOUT_MS,
  CONNECTION_BUFFER_BUDGET_BYTES_DEFAULT,
  DATA_DIR_DEFAULT,
  FAILOVER_ADVANCE_MS_DEFAULT,
  FRAME_BODY_BYTES_MAX,
  FRAME_HEADER_BYTES,
  FRAME_TIMEOUT_MS_DEFAULT,
  GET_TS_COUNT_MAX,
  HTTP_LISTEN_ADDRESS_DEFAULT,
  LISTEN_ADDRESS_DEFAULT,
  PHYSICAL_MS_MAX,
  RAFT_CLOCK_DRIFT_BOUND_DEFAULT,
  RAFT_ELECTION_TIMEOUT_MS_DEFAULT,
  RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT,
  SEQ_BATCH_KEYS_DEFAULT,
  SEQ_BATCH_KEYS_MAX,
  SEQ_COUNT_MAX,
  SEQ_KEY_BYTES_MAX,
  SEQ_KEY_BYTES_MIN,
  SERVER_CONNECTIONS_PER_PEER_MAX_DEFAULT,
  SERVER_IDLE_EVICT_AFTER_MS_DEFAULT,
  SERVER_IDLE_TIMEOUT_MS_DEFAULT,
  U64_MAX,
  WINDOW_AHEAD_MS_DEFAULT,
} from '../core/limits.js';
import { FileDriver } from '../drivers/file/file-driver.js';
import { NodeDisk } from '../drivers/node/disk.js';
import { AuthToken } from '../drivers/node/auth-token.js';
import type { TlsClientOptions, TlsServerOptions } from '../drivers/node/transport.js';
import { parseHostPort } from '../drivers/ports.js';
import { parseDuration, runFuzzCommand } from '../fuzz/cli.js';
import { listTargetNames } from '../fuzz/registry.js';
import { createClient, type StampingLease, type TsoClient } from './client.js';
import {
  LEASE_RECORDS_MAX,
  LEASE_TTL_MS_LIMIT,
  LEASE_TTL_MS_MAX_DEFAULT,
  LEASE_TTL_MS_MIN_DEFAULT,
  leasePolicyProblem,
  LEASES_LIVE_MAX_DEFAULT,
  type LeasePolicy,
} from '../core/oracle/leases.js';
import { HEARTBEAT_INTERVAL_MS_DEFAULT } from './heartbeat.js';
import { runSimCommand } from './sim.js';
import { clientTlsFromFlags, clientTlsOption } from './client-tls-flags.js';
import { parseClockDrift, parseRaftPeers, raftStartPath, readRaftStart, startRaftServer } from './raft.js';
import { fetchJoinPeers, isAdminJoin } from './admin-join.js';
import type { RaftPeer } from '../drivers/raft/index.js';
import { checkExposure, checkHttpTls } from './tls-config.js';
import { addAdminCommand } from './admin-cli.js';
import { startPaxosServer } from './paxos.js';
import { startEtcdServer } from './etcd.js';
import { checkDataDir, startServer, type ConnectionLimits, type TsoServer } from './server.js';

const SHUTDOWN_BOUND_MS = 5_000;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
/**
 * Upper bound of --window-ahead and --failover-advance. Nothing breaks above it, but every
 * timestamp after a restart (window) or a failover (advance) jumps that far past the clock: a
 * value this large is a typo (`3h` for `3s`), not a choice.
 */
const SERVE_DURATION_MS_MAX = 24 * 3_600_000;
/** Upper bound of the Raft timeouts (the Raft config accepts up to 2^40 ms; an hour is already useless). */
const RAFT_DURATION_MS_MAX = 3_600_000;
/** The fuzzer's default time per target and hang threshold. */
const FUZZ_TIME_MS_DEFAULT = 60_000;
const FUZZ_HANG_MS_DEFAULT = 10_000;

/** Parses `3s`, `500ms`, `2m`, `1h` or a bare number of milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`not a duration: ${text} (examples: 500ms, 3s, 2m)`);
  const unit = m[2] ?? 'ms';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : 3_600_000;
  const ms = Math.round(Number(m[1]) * factor);
  if (!Number.isSafeInteger(ms)) throw new InvalidArgumentError(`duration out of range: ${text}`);
  return ms;
}

function formatDurationMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 1_000 === 0 && ms > 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** A parser of durations from `minMs` to `maxMs` (both included). */
function durationInRange(minMs: number, maxMs: number): (text: string) => number {
  return (text) => {
    const ms = parseDurationMs(text);
    if (ms < minMs || ms > maxMs) throw new InvalidArgumentError(`must be from ${formatDurationMs(minMs)} to ${formatDurationMs(maxMs)}`);
    return ms;
  };
}

function parsePositiveInt(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`not a positive integer: ${text}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`not a positive integer: ${text}`);
  return n;
}

/** A parser of integers from 1 to `max`; `what` names the unit in the message. */
function countUpTo(max: number, what: string): (text: string) => number {
  return (text) => {
    const n = parsePositiveInt(text);
    if (n > max) throw new InvalidArgumentError(`at most ${max} ${what} per call, got ${text}`);
    return n;
  };
}

/** A decimal u64. */
function parseU64(text: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw new InvalidArgumentError(`not a u64: ${text}`);
  const n = BigInt(text);
  if (n > U64_MAX) throw new InvalidArgumentError(`above 2^64 - 1: ${text}`);
  return n;
}

/** A lease holder: UTF-8 text, or `hex:` and hex digits for raw bytes (the length is the server's to judge). */
function parseLeaseHolder(text: string): Uint8Array {
  if (text.startsWith('hex:')) {
    const digits = text.slice(4);
    if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new InvalidArgumentError(`not hex bytes: ${text}`);
    return Uint8Array.from(Buffer.from(digits, 'hex'));
  }
  return new TextEncoder().encode(text);
}

function parseNonNegativeInt(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`not a non-negative integer: ${text}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`out of range: ${text}`);
  return n;
}

/** A bind address `host:port` (port 0 picks a free port); with `offAllowed`, also `off`. */
function bindAddress(offAllowed: boolean): (text: string) => string {
  return (text) => {
    if (offAllowed && text === 'off') return text;
    if (parseHostPort(text) === null) throw new InvalidArgumentError(`not host:port (port 0 to 65535)${offAllowed ? ' or "off"' : ''}`);
    return text;
  };
}

function parseSeedPhysicalMs(text: string): number {
  const ms = parseNonNegativeInt(text);
  if (ms > PHYSICAL_MS_MAX) throw new InvalidArgumentError(`at most ${PHYSICAL_MS_MAX} (2^46 - 1, the largest physical ms a timestamp carries)`);
  return ms;
}

/** A comma-separated list of server endpoints, each `host:port` with a port from 1 to 65535. */
function parseEndpoints(text: string): string[] {
  const endpoints = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (endpoints.length === 0) throw new InvalidArgumentError('no endpoint given (host:port,...)');
  for (const endpoint of endpoints) {
    const parsed = parseHostPort(endpoint);
    if (parsed === null || parsed.port === 0) throw new InvalidArgumentError(`${JSON.stringify(endpoint)} is not host:port (port 1 to 65535)`);
  }
  return endpoints;
}

function parseSeqKey(text: string): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes < SEQ_KEY_BYTES_MIN || bytes > SEQ_KEY_BYTES_MAX) throw new InvalidArgumentError(`a key is ${SEQ_KEY_BYTES_MIN} to ${SEQ_KEY_BYTES_MAX} UTF-8 bytes, this one is ${bytes}`);
  return text;
}

/** One `key=count` of get-seq-batch (split at the last `=`, so a key may hold `=`). */
function parseSeqBatchEntry(text: string, previous: Array<{ key: string; count: number }> | undefined): Array<{ key: string; count: number }> {
  const at = text.lastIndexOf('=');
  if (at < 0) throw new InvalidArgumentError(`not key=count: ${text}`);
  const key = parseSeqKey(text.slice(0, at));
  const count = countUpTo(SEQ_COUNT_MAX, 'values')(text.slice(at + 1));
  return [...(previous ?? []), { key, count }];
}

/** A fuzz duration (a bare number is seconds there, as `npm run fuzz:nightly` passes it). */
function parseFuzzDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new InvalidArgumentError(`not a positive duration: ${text} (examples: 500ms, 60s, 10m)`);
  return ms;
}

function parseFuzzTarget(text: string): string {
  const names = listTargetNames();
  if (!names.includes(text)) throw new InvalidArgumentError(`no such target (targets: ${names.join(', ')})`);
  return text;
}

/** The package's version, read at run time from the package.json above this module (runners/ or dist/runners/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === 'tsoracle' && typeof parsed.version === 'string') return parsed.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** `tsoracle serve raft`, the command's name as the user types it. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** How a usage error of `cmd` ends: where the help is. */
function usagePointer(cmd: Command): string {
  return `(run '${commandPath(cmd)} --help' for usage)`;
}

/** Prints a failure (exit 1): `error: ` and the message, which starts with the error's stable code. */
function fail(e: unknown): never {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT_FAILURE);
}

/** Set once a usage error's two lines are on stderr, so that main() prints it exactly once. */
let usageErrorPrinted = false;

/**
 * Ends with a usage error of `cmd` (exit 2): through commander's own `error()`, so it is printed
 * like commander's errors (outputError below adds the pointer line) and thrown as a CommanderError.
 */
function usageError(cmd: Command, why: string): never {
  cmd.error(`error: ${why}`, { exitCode: EXIT_USAGE, code: 'tsoracle.usage' });
}

/** A driver's INVALID_CONFIG is a usage error (the flags are wrong); anything else is a failure. */
function failOrUsage(cmd: Command): (e: unknown) => never {
  return (e) => {
    if (e instanceof TsoError && e.code === 'INVALID_CONFIG') usageError(cmd, e.message);
    return fail(e);
  };
}

/**
 * Installs graceful, bounded SIGINT/SIGTERM handling for `server`, then announces readiness:
 * `serving on H:P` is printed only once the handlers are in place, so a supervisor that signals as
 * soon as it reads the line finds them installed. `claimStop` (default: a flag of its own) returns
 * true when a stop is already under way (a fatal driver error may have claimed it).
 */
function serveUntilSignal(server: TsoServer, reloadTls?: () => TlsServerOptions | undefined, claimStop?: () => boolean): void {
  let stopping = false;
  const claim =
    claimStop ??
    (() => {
      const already = stopping;
      stopping = true;
      return already;
    });
  const stop = (signal: string) => {
    if (claim()) return;
    process.stderr.write(`${signal}: shutting down\n`);
    const force = setTimeout(() => {
      process.stderr.write(`error: shutdown took longer than ${SHUTDOWN_BOUND_MS} ms; exiting\n`);
      process.exit(EXIT_FAILURE);
    }, SHUTDOWN_BOUND_MS);
    // Ref'd on purpose: if close() ever hung with nothing else alive, an unref'd timer would let
    // the process exit 0 without a word; both paths end in process.exit anyway.
    void force;
    server.close().then(
      () => process.exit(0),
      (e: unknown) => fail(e),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (reloadTls !== undefined) {
    // SIGHUP re-reads --tls-cert/--tls-key/--tls-ca; new handshakes use them, nothing is closed.
    // Files that do not load leave the old certificates in place (and the process running).
    process.on('SIGHUP', () => {
      try {
        const tls = reloadTls();
        if (tls !== undefined) server.reloadTls(tls);
        process.stderr.write('SIGHUP: TLS certificates reloaded\n');
      } catch (e) {
        process.stderr.write(`SIGHUP: TLS reload failed, the previous certificates stay: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    });
  }
  process.stdout.write(`serving on ${server.address.host}:${server.address.port}\n`);
  if (server.httpAddress !== null) process.stderr.write(`http on ${server.httpAddress.host}:${server.httpAddress.port}${server.httpTls ? ' (TLS)' : ''}\n`);
  if (server.grpcAddress !== null) process.stderr.write(`grpc on ${server.grpcAddress.host}:${server.grpcAddress.port}\n`);
}

/** --tls-cert / --tls-key / --tls-ca, --auth-token-file, --insecure (and the peers' --allow-insecure-peer) of `serve`. */
interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  authTokenFile?: string;
  insecure?: boolean;
  allowInsecurePeer?: boolean;
  httpTls?: boolean;
}

/** The token of --auth-token-file, or undefined (INVALID_CONFIG for an unreadable or empty file). */
function serverAuthToken(opts: TlsFlags): AuthToken | undefined {
  return opts.authTokenFile === undefined ? undefined : AuthToken.fromFile(opts.authTokenFile);
}

/** The host of a `host:port` flag value (bindAddress checked it already). */
function hostOf(address: string): string {
  return parseHostPort(address)?.host ?? address;
}

/** The client port's TLS from the flags (PEM files), or undefined; INVALID_CONFIG for a bad combination or an unreadable file. */
function serverTls(opts: TlsFlags): TlsServerOptions | undefined {
  if (opts.tlsCert === undefined && opts.tlsKey === undefined) {
    if (opts.tlsCa !== undefined) throw new TsoError('INVALID_CONFIG', '--tls-ca needs --tls-cert and --tls-key');
    return undefined;
  }
  if (opts.tlsCert === undefined || opts.tlsKey === undefined) throw new TsoError('INVALID_CONFIG', '--tls-cert and --tls-key go together');
  const read = (flag: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new TsoError('INVALID_CONFIG', `${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  };
  return {
    cert: read('--tls-cert', opts.tlsCert),
    key: read('--tls-key', opts.tlsKey),
    ...(opts.tlsCa !== undefined ? { ca: read('--tls-ca', opts.tlsCa) } : {}),
  };
}

function addTlsOptions(cmd: Command, peers = false, grpc = true): Command {
  cmd
    .option('--tls-cert <file>', `serve TLS on the client${grpc ? ' and gRPC ports' : ' port'}${peers ? ' and the peer port' : ''} with this PEM certificate (with --tls-key; reloaded on SIGHUP)`)
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--tls-ca <file>', `require client certificates signed by this PEM CA (mTLS)${peers ? '; peers verify each other against it' : ''}`)
    .option('--auth-token-file <file>', `${grpc ? 'every gRPC call (authorization: Bearer <token>) and ' : ''}each client connection's first request must carry this token (docs/security.md)`)
    .option('--insecure', `allow a plaintext, unauthenticated client${grpc ? ' or gRPC' : ''} port off loopback`)
    .option('--http-tls', 'serve HTTPS on --http-listen with --tls-cert/--tls-key (with --tls-ca, client certificates required; reloaded on SIGHUP)');
  if (peers) cmd.option('--allow-insecure-peer', 'allow plaintext peers (off loopback without TLS; with TLS, also accepted on the peer port)');
  return cmd;
}

interface ServeFileOptions extends ConnectionLimitFlags, TlsFlags {
  dataDir: string;
  listen: string;
  httpListen: string;
  grpcListen: string;
  windowAhead: number;
  failoverAdvance: number;
  seqBatchKeysMax: number;
  leaseTtlMin: number;
  leaseTtlMax: number;
  leasesLiveMax: number;
  heartbeatInterval: number;
}

async function serveFile(opts: ServeFileOptions, cmd: Command): Promise<void> {
  const { tls, authToken } = await Promise.resolve()
    .then(() => {
      const tls = serverTls(opts);
      const authToken = serverAuthToken(opts);
      checkHttpTls(opts.httpTls === true, tls, opts.httpListen === 'off');
      checkExposure(
        [
          { flag: '--listen', host: hostOf(opts.listen), kind: 'client', tls: tls !== undefined, token: authToken !== undefined },
          ...(opts.grpcListen === 'off' ? [] : [{ flag: '--grpc-listen', host: hostOf(opts.grpcListen), kind: 'client' as const, tls: tls !== undefined, token: authToken !== undefined }]),
        ],
        { insecure: opts.insecure === true },
      );
      return { tls, authToken };
    })
    .catch(failOrUsage(cmd));
  const server = await startServer({
    ...(tls !== undefined ? { tls } : {}),
    ...(authToken !== undefined ? { authToken } : {}),
    ...(opts.httpTls === true ? { httpTls: true } : {}),
    dataDir: opts.dataDir,
    listen: opts.listen,
    httpListen: opts.httpListen === 'off' ? null : opts.httpListen,
    grpcListen: opts.grpcListen === 'off' ? null : opts.grpcListen,
    windowAheadMs: opts.windowAhead,
    failoverAdvanceMs: opts.failoverAdvance,
    seqBatchKeysMax: opts.seqBatchKeysMax,
    leasePolicy: leasePolicyOf(opts, cmd),
    heartbeatIntervalMs: opts.heartbeatInterval,
    connectionLimits: connectionLimits(opts),
    log: (line) => process.stderr.write(`${line}\n`),
  }).catch(failOrUsage(cmd));
  serveUntilSignal(server, tls === undefined ? undefined : () => serverTls(opts));
}

interface ServeRaftOptions extends ConnectionLimitFlags, TlsFlags {
  id: number;
  /**
   * Required, except for a node that joins through a member's admin endpoint (`--join ADMIN_H:P`)
   * and a restart whose data directory holds a start record (neither --peers nor --join).
   */
  peers?: string;
  dataDir: string;
  listen?: string;
  httpListen?: string;
  grpcListen: string;
  electionTimeout: number;
  heartbeatInterval: number;
  clockDrift: number;
  snapshotEntries?: number;
  windowAhead: number;
  failoverAdvance: number;
  seqBatchKeysMax: number;
  leaseTtlMin: number;
  leaseTtlMax: number;
  leasesLiveMax: number;
  statusHeartbeatInterval: number;
  /** `serve raft` only. */
  adminListen?: string;
  join?: string;
  /** With `--join ADMIN_H:P`: this node's own RAFT_H:P/SERVICE_H:P. */
  advertise?: string;
}

async function serveRaft(opts: ServeRaftOptions, cmd: Command, start: typeof startRaftServer | typeof startPaxosServer = startRaftServer): Promise<void> {
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  let stopping = false;
  // `--join ADMIN_H:P`: the bootstrap peers come from a member's admin endpoint (runners/admin-join.ts).
  let peersOption: string | ReadonlyMap<number, RaftPeer>;
  let join = opts.join;
  if (opts.join !== undefined && isAdminJoin(opts.join)) {
    if (opts.peers !== undefined) usageError(cmd, `--join ${opts.join} (a member's admin endpoint) fetches the cluster's peers: drop --peers, or give --join RAFT_H:P/SERVICE_H:P with --peers`);
    if (opts.advertise === undefined) usageError(cmd, `--join ${opts.join} (a member's admin endpoint) needs --advertise RAFT_H:P/SERVICE_H:P: this node's own addresses`);
    // A TLS admin port is asked with the node's own material (its certificate, trusting its CA).
    const ownTls = await Promise.resolve()
      .then(() => serverTls(opts))
      .catch(failOrUsage(cmd));
    peersOption = await fetchJoinPeers(opts.join, opts.id, undefined, ownTls === undefined ? undefined : { cert: ownTls.cert, key: ownTls.key, ...(ownTls.ca !== undefined ? { ca: ownTls.ca } : {}) }).catch(failOrUsage(cmd));
    join = opts.advertise;
    log(`join: the cluster's bootstrap voters from ${opts.join}: ${[...peersOption.keys()].join(', ')}`);
  } else if (opts.peers === undefined && opts.join === undefined && start === startRaftServer) {
    // A restart from the data directory alone: what its last start recorded (runners/raft.ts).
    if (opts.advertise !== undefined) usageError(cmd, '--advertise goes with --join ADMIN_H:P (a member\'s admin endpoint)');
    const recorded = (() => {
      try {
        return readRaftStart(opts.dataDir);
      } catch (e) {
        return failOrUsage(cmd)(e);
      }
    })();
    if (recorded === null) {
      usageError(
        cmd,
        `required option '--peers <list>' not specified, and ${opts.dataDir} holds no start record to restart from (a new node may instead join with --join ADMIN_H:P --advertise RAFT_H:P/SERVICE_H:P)`,
      );
    }
    peersOption = recorded.peers;
    if (recorded.join !== null) join = recorded.join;
    log(`start: the peers${recorded.join !== null ? ' and this joined node\'s addresses' : ''} from ${raftStartPath(opts.dataDir)}: ${[...recorded.peers.keys()].join(', ')}${recorded.join !== null ? `; this node at ${recorded.join}` : ''}`);
  } else {
    if (opts.advertise !== undefined) usageError(cmd, '--advertise goes with --join ADMIN_H:P (a member\'s admin endpoint)');
    if (opts.peers === undefined) usageError(cmd, "required option '--peers <list>' not specified (a new node may instead join with --join ADMIN_H:P --advertise RAFT_H:P/SERVICE_H:P)");
    peersOption = opts.peers;
  }
  const { tls, authToken } = await Promise.resolve()
    .then(() => {
      const tls = serverTls(opts);
      const authToken = serverAuthToken(opts);
      checkHttpTls(opts.httpTls === true, tls, opts.httpListen === 'off');
      const peers = typeof peersOption === 'string' ? parseRaftPeers(peersOption) : peersOption;
      // A joining node is not among the bootstrap peers: its own addresses are in --join/--advertise.
      const self = join !== undefined && !peers.has(opts.id) ? parseRaftPeers(`${opts.id}=${join}`).get(opts.id) : peers.get(opts.id);
      if (self === undefined) return { tls, authToken }; // the driver's own check names the problem
      const serviceHost = opts.listen === undefined ? hostOf(self.serviceEndpoint) : hostOf(opts.listen);
      checkExposure(
        [
          { flag: '--listen', host: serviceHost, kind: 'client', tls: tls !== undefined, token: authToken !== undefined },
          ...(opts.grpcListen === undefined || opts.grpcListen === 'off' ? [] : [{ flag: '--grpc-listen', host: hostOf(opts.grpcListen), kind: 'client' as const, tls: tls !== undefined, token: authToken !== undefined }]),
          { flag: `--peers: node ${opts.id}'s peer address`, host: self.raftAddress.host, kind: 'peer', tls: tls !== undefined, token: false },
        ],
        { insecure: opts.insecure === true, allowInsecurePeer: opts.allowInsecurePeer === true },
      );
      return { tls, authToken };
    })
    .catch(failOrUsage(cmd));
  const server = await start({
    ...(tls !== undefined ? { tls } : {}),
    ...(authToken !== undefined ? { authToken } : {}),
    ...(opts.allowInsecurePeer === true ? { allowInsecurePeer: true } : {}),
    ...(opts.httpTls === true ? { httpTls: true } : {}),
    id: opts.id,
    peers: peersOption,
    dataDir: opts.dataDir,
    ...(opts.listen !== undefined ? { listen: opts.listen } : {}),
    ...(opts.httpListen !== undefined ? { httpListen: opts.httpListen === 'off' ? null : opts.httpListen } : {}),
    grpcListen: opts.grpcListen === 'off' ? null : opts.grpcListen,
    ...(opts.adminListen !== undefined && opts.adminListen !== 'off' ? { adminListen: opts.adminListen } : {}),
    ...(join !== undefined ? { join } : {}),
    electionTimeoutMs: opts.electionTimeout,
    heartbeatIntervalMs: opts.heartbeatInterval,
    clockDriftBound: opts.clockDrift,
    ...(opts.snapshotEntries !== undefined ? { snapshotEntries: opts.snapshotEntries } : {}),
    windowAheadMs: opts.windowAhead,
    failoverAdvanceMs: opts.failoverAdvance,
    seqBatchKeysMax: opts.seqBatchKeysMax,
    leasePolicy: leasePolicyOf(opts, cmd),
    statusHeartbeatIntervalMs: opts.statusHeartbeatInterval,
    connectionLimits: connectionLimits(opts),
    log,
    onFatal: (error: unknown) => {
      // The driver could not persist: exit so a supervisor restarts from what is on disk.
      if (stopping) return;
      stopping = true;
      fail(error);
    },
  }).catch(failOrUsage(cmd));
  // One flag for a signal and a fatal driver error: whichever comes first stops the process.
  serveUntilSignal(server, tls === undefined ? undefined : () => serverTls(opts), () => {
    const already = stopping;
    stopping = true;
    return already;
  });
}

interface ServeEtcdOptions extends ConnectionLimitFlags, TlsFlags {
  etcdEndpoints: string;
  cluster: string;
  prefix?: string;
  listen: string;
  advertise?: string;
  httpListen: string;
  leaseTtl: number;
  clockDrift: number;
  windowAhead: number;
  failoverAdvance: number;
  seqBatchKeysMax: number;
  leaseTtlMin: number;
  leaseTtlMax: number;
  leasesLiveMax: number;
}

async function serveEtcd(opts: ServeEtcdOptions, cmd: Command): Promise<void> {
  const { tls, authToken } = await Promise.resolve()
    .then(() => {
      const tls = serverTls(opts);
      const authToken = serverAuthToken(opts);
      checkHttpTls(opts.httpTls === true, tls, opts.httpListen === 'off');
      checkExposure([{ flag: '--listen', host: hostOf(opts.listen), kind: 'client', tls: tls !== undefined, token: authToken !== undefined }], { insecure: opts.insecure === true });
      return { tls, authToken };
    })
    .catch(failOrUsage(cmd));
  const server = await startEtcdServer({
    ...(tls !== undefined ? { tls } : {}),
    ...(authToken !== undefined ? { authToken } : {}),
    ...(opts.httpTls === true ? { httpTls: true } : {}),
    etcdEndpoints: opts.etcdEndpoints,
    cluster: opts.cluster,
    ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
    listen: opts.listen,
    ...(opts.advertise !== undefined ? { advertise: opts.advertise } : {}),
    httpListen: opts.httpListen === 'off' ? null : opts.httpListen,
    leaseTtlSeconds: Math.ceil(opts.leaseTtl / 1000),
    clockDriftBound: opts.clockDrift,
    windowAheadMs: opts.windowAhead,
    failoverAdvanceMs: opts.failoverAdvance,
    seqBatchKeysMax: opts.seqBatchKeysMax,
    leasePolicy: leasePolicyOf(opts, cmd),
    connectionLimits: connectionLimits(opts),
    log: (line) => process.stderr.write(`${line}\n`),
  }).catch(failOrUsage(cmd));
  serveUntilSignal(server, tls === undefined ? undefined : () => serverTls(opts));
}

function addWindowOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--window-ahead <duration>', 'how far ahead of the clock each durable window reaches (1ms to 24h)')
        .default(WINDOW_AHEAD_MS_DEFAULT, '3s')
        .argParser(durationInRange(1, SERVE_DURATION_MS_MAX)),
    )
    .addOption(
      new Option('--failover-advance <duration>', 'how far a new leader jumps past the prior high-water (0ms to 24h)')
        .default(FAILOVER_ADVANCE_MS_DEFAULT, '1s')
        .argParser(durationInRange(0, SERVE_DURATION_MS_MAX)),
    )
    .addOption(
      new Option('--seq-batch-keys-max <n>', `most keys one get-seq-batch may name (1 to ${SEQ_BATCH_KEYS_MAX})`)
        .default(SEQ_BATCH_KEYS_DEFAULT)
        .argParser(countUpTo(SEQ_BATCH_KEYS_MAX, 'keys')),
    )
    .addOption(
      new Option('--lease-ttl-min <duration>', 'shortest stamping-lease TTL an acquire may ask for')
        .default(LEASE_TTL_MS_MIN_DEFAULT, '5s')
        .argParser(durationInRange(1, LEASE_TTL_MS_LIMIT)),
    )
    .addOption(
      new Option('--lease-ttl-max <duration>', 'longest stamping-lease TTL an acquire may ask for (at most 24h)')
        .default(LEASE_TTL_MS_MAX_DEFAULT, '5m')
        .argParser(durationInRange(1, LEASE_TTL_MS_LIMIT)),
    )
    .addOption(
      new Option('--leases-live-max <n>', `most live stamping leases (1 to ${LEASE_RECORDS_MAX})`)
        .default(LEASES_LIVE_MAX_DEFAULT)
        .argParser(countUpTo(LEASE_RECORDS_MAX, 'leases')),
    );
}

/** The stamping-lease policy of the serve flags; a floor above the ceiling is a usage error. */
function leasePolicyOf(opts: { leaseTtlMin: number; leaseTtlMax: number; leasesLiveMax: number }, cmd: Command): LeasePolicy {
  const policy: LeasePolicy = { ttlMsMin: opts.leaseTtlMin, ttlMsMax: opts.leaseTtlMax, liveLeasesMax: opts.leasesLiveMax };
  const problem = leasePolicyProblem(policy);
  if (problem !== null) usageError(cmd, `--lease-ttl-min/--lease-ttl-max/--leases-live-max: ${problem}`);
  return policy;
}

/** The flags of the connection defences (docs/protocol.md §5), shared by `serve file` and `serve raft`. */
interface ConnectionLimitFlags {
  connectionsPerPeerMax: number;
  idleTimeout: number;
  idleEvictAfter: number;
  frameTimeout: number;
  bufferBudget: number;
}

function connectionLimits(opts: ConnectionLimitFlags): ConnectionLimits {
  return {
    connectionsPerPeerMax: opts.connectionsPerPeerMax,
    idleTimeoutMs: opts.idleTimeout,
    idleEvictAfterMs: opts.idleEvictAfter,
    frameTimeoutMs: opts.frameTimeout,
    bufferBudgetBytes: opts.bufferBudget,
  };
}

/** Parses a byte count: `67108864`, `64KiB`, `64MiB`, `1GiB`; at least one header and one maximal frame. */
function parseBufferBudget(text: string): number {
  const m = /^(\d+)(KiB|MiB|GiB)?$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`not a byte count: ${text} (examples: 64MiB, 1048576)`);
  const bytes = Number(m[1]) * (m[2] === 'KiB' ? 1024 : m[2] === 'MiB' ? 1024 ** 2 : m[2] === 'GiB' ? 1024 ** 3 : 1);
  const minBytes = FRAME_HEADER_BYTES + FRAME_BODY_BYTES_MAX;
  if (!Number.isSafeInteger(bytes) || bytes < minBytes) throw new InvalidArgumentError(`must be at least ${minBytes} bytes (one whole frame)`);
  return bytes;
}

/** The timing flags `serve raft` and `serve paxos` share (same defaults and checks). */
function addConsensusTimingOptions(cmd: Command, logName: string): Command {
  return cmd
    .addOption(
      new Option('--election-timeout <duration>', 'minimum election timeout (each node draws in [t, 2t))')
        .default(RAFT_ELECTION_TIMEOUT_MS_DEFAULT, '300ms')
        .argParser(durationInRange(1, RAFT_DURATION_MS_MAX)),
    )
    .addOption(
      new Option('--heartbeat-interval <duration>', 'leader heartbeat interval (below the election timeout)')
        .default(RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT, '50ms')
        .argParser(durationInRange(1, RAFT_DURATION_MS_MAX)),
    )
    .addOption(
      new Option('--clock-drift <ratio>', 'assumed bound on every clock rate error; the lease shrinks by twice it').default(RAFT_CLOCK_DRIFT_BOUND_DEFAULT, '0.01').argParser((text: string) => {
        try {
          return parseClockDrift(text);
        } catch (e) {
          throw new InvalidArgumentError(e instanceof TsoError ? e.message.replace(/^INVALID_CONFIG: /, '') : String(e));
        }
      }),
    )
    .option('--snapshot-entries <n>', `applied entries between two snapshots (and ${logName} rewrites)`, parsePositiveInt);
}

function addConnectionLimitOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--connections-per-peer-max <n>', 'client connections one remote address may hold')
        .default(SERVER_CONNECTIONS_PER_PEER_MAX_DEFAULT)
        .argParser(parsePositiveInt),
    )
    .addOption(
      new Option('--idle-timeout <duration>', 'close a connection with no request for this long (0 never)')
        .default(SERVER_IDLE_TIMEOUT_MS_DEFAULT, '60s')
        .argParser(durationInRange(0, SERVE_DURATION_MS_MAX)),
    )
    .addOption(
      new Option('--idle-evict-after <duration>', 'at the connection cap, a connection idle this long gives way to a new one (0 never)')
        .default(SERVER_IDLE_EVICT_AFTER_MS_DEFAULT, '1s')
        .argParser(durationInRange(0, SERVE_DURATION_MS_MAX)),
    )
    .addOption(
      new Option('--frame-timeout <duration>', 'close a connection whose started frame is unfinished this long (0 never)')
        .default(FRAME_TIMEOUT_MS_DEFAULT, '10s')
        .argParser(durationInRange(0, SERVE_DURATION_MS_MAX)),
    )
    .addOption(
      new Option('--buffer-budget <bytes>', 'bytes buffered across all client connections (unfinished frames, unsent answers)')
        .default(CONNECTION_BUFFER_BUDGET_BYTES_DEFAULT, '64MiB')
        .argParser(parseBufferBudget),
    );
}

function addServeFileOptions(cmd: Command): Command {
  cmd
    .option('--data-dir <dir>', 'data directory (holds LOCK, state, dense)', DATA_DIR_DEFAULT)
    .option('--listen <host:port>', 'client protocol address', bindAddress(false), LISTEN_ADDRESS_DEFAULT)
    .option('--http-listen <host:port>', 'HTTP address for /metrics, /healthz, /readyz ("off" disables)', bindAddress(true), HTTP_LISTEN_ADDRESS_DEFAULT)
    .addOption(
      new Option('--heartbeat-interval <duration>', 'how often to log a status line (serving, epoch, requests); 0s disables')
        .default(HEARTBEAT_INTERVAL_MS_DEFAULT, '10s')
        .argParser(durationInRange(0, SERVE_DURATION_MS_MAX)),
    )
    .option('--grpc-listen <host:port>', 'tsoracle.v1.TsoService gRPC address (docs/grpc.md; "off" disables)', bindAddress(true), 'off');
  return addTlsOptions(addConnectionLimitOptions(addWindowOptions(cmd)));
}

/** `--token-file F` of the client commands: the token of a server started with --auth-token-file. */
function clientTokenFileOption(): Option {
  return new Option('--token-file <file>', "send this token on each connection's first request (a server with --auth-token-file; docs/security.md)");
}

/** `{ token }` for createClient from --token-file, or `{}`; INVALID_CONFIG (naming the file, never its content) when unusable. */
function clientTokenFromFlags(flags: object): { token?: string } {
  const file = (flags as { tokenFile?: string }).tokenFile;
  return file === undefined ? {} : { token: AuthToken.fromFile(file, '--token-file').reveal() };
}

/** Bounds of `--timeout`, a client command's overall deadline per call. */
const CLIENT_TIMEOUT_MS_MIN = 100;
const CLIENT_TIMEOUT_MS_MAX = 3_600_000;

/**
 * The options every client command shares: where to connect (--endpoints), how (the TLS flags and
 * --token-file), and how long one call may take (--timeout, the client's overall deadline, which
 * a failover must fit into: the client rides out an election until it, backing off up to 5 s).
 */
function addClientOptions(cmd: Command): Command {
  return cmd
    .addOption(endpointsOption())
    .addOption(clientTlsOption('--tls-ca'))
    .addOption(clientTlsOption('--tls-cert'))
    .addOption(clientTlsOption('--tls-key'))
    .addOption(clientTlsOption('--tls-servername'))
    .addOption(clientTokenFileOption())
    .addOption(
      new Option('--timeout <duration>', "give up a call after this long, retries and failovers included (the client's overall deadline)")
        .default(CLIENT_OVERALL_TIMEOUT_MS, formatDurationMs(CLIENT_OVERALL_TIMEOUT_MS))
        .argParser(durationInRange(CLIENT_TIMEOUT_MS_MIN, CLIENT_TIMEOUT_MS_MAX)),
    );
}

/** A client built from the shared client options (see addClientOptions). */
function clientFromFlags(flags: object): TsoClient {
  const opts = flags as { endpoints: string[]; timeout?: number };
  return createClient({
    endpoints: opts.endpoints,
    ...clientTlsFromFlags(opts),
    ...clientTokenFromFlags(opts),
    ...(opts.timeout === undefined ? {} : { retry: { overallTimeoutMs: opts.timeout } }),
  });
}

/** Runs `run` with a client from the shared client options, closes it, and fails the command on an error. */
async function withClient(flags: object, run: (client: TsoClient) => Promise<void>): Promise<void> {
  try {
    const client = clientFromFlags(flags);
    try {
      await run(client);
    } finally {
      await client.close();
    }
  } catch (e) {
    fail(e);
  }
}

function endpointsOption(): Option {
  return new Option('--endpoints <list>', 'comma-separated host:port list').default([LISTEN_ADDRESS_DEFAULT], LISTEN_ADDRESS_DEFAULT).argParser(parseEndpoints);
}

/** Calls `visit` on `cmd` and every command below it. */
function forEachCommand(cmd: Command, visit: (cmd: Command) => void): void {
  visit(cmd);
  for (const sub of cmd.commands) forEachCommand(sub, visit);
}

export function buildProgram(): Command {
  const program = new Command('tsoracle')
    .description('Strictly monotonic timestamps and gapless sequences: a durable timestamp oracle.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    // Our own `help [command...]` below: commander's answers an unknown name with the whole help.
    .helpCommand(false)
    // The root and `serve file` / `init` share option names (--data-dir, --listen, ...). Without
    // positional options commander hands a flag written after a subcommand to the root, and the
    // subcommand silently runs with its default (`serve file --data-dir D` served ./tsoracle-data).
    .enablePositionalOptions();

  addServeFileOptions(program).action(async (opts: ServeFileOptions, cmd: Command) => {
    // The root takes no arguments: a word here is a mistyped command, not a reason to serve.
    const [word] = cmd.args;
    if (word !== undefined) usageError(cmd, `unknown command '${word}'`);
    await serveFile(opts, cmd);
  });

  program
    .command('help')
    .description('show the help of a command: help, help get-ts, help serve raft')
    .argument('[command...]', 'the command')
    .action((names: string[]) => {
      let target: Command = program;
      for (const [depth, name] of names.entries()) {
        const sub = target.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (sub === undefined) usageError(program, `unknown command '${names.slice(0, depth + 1).join(' ')}'`);
        target = sub;
      }
      target.outputHelp();
    });

  const serve = program
    .command('serve')
    .description('run a server: serve file | serve raft | serve paxos')
    .argument('[driver]', 'file, raft or paxos')
    .action((driver: string | undefined) => {
      usageError(serve, driver === undefined ? "serve needs a driver: 'serve file', 'serve raft' or 'serve paxos'" : `unknown driver '${driver}' (drivers: file, raft, paxos)`);
    });
  addServeFileOptions(serve.command('file').description('single node, fsync-durable file driver')).action(async (opts: ServeFileOptions, cmd: Command) => serveFile(opts, cmd));
  const raft = serve
    .command('raft')
    .description('a member of a Raft cluster (membership changes: --admin-listen, --join; docs/cluster.md)')
    .requiredOption('--id <n>', "this node's id in --peers", parsePositiveInt)
    .option('--peers <list>', 'every voter, this node included: "1=RAFT_H:P/SERVICE_H:P,2=...,3=..." (required but with --join ADMIN_H:P, or on a restart: the data directory records it)')
    .option('--data-dir <dir>', 'data directory (holds raft/LOCK, meta, wal, snapshot)', DATA_DIR_DEFAULT)
    .option('--listen <host:port>', "client protocol address (default: this node's service address)", bindAddress(false))
    .option('--http-listen <host:port>', 'HTTP address for /metrics, /healthz, /readyz (default: the service host, the service port + 2; "off" disables)', bindAddress(true))
    .option('--grpc-listen <host:port>', 'tsoracle.v1.TsoService gRPC address; every node must use the same offset from its service port (docs/grpc.md; "off" disables)', bindAddress(true), 'off')
    .option(
      '--admin-listen <host:port>',
      'membership admin API (tsoracle.admin.v1.MembershipAdmin); TLS with --tls-cert/--tls-key, mTLS with --tls-ca, and off loopback only with mTLS; every node should use the same offset from its service port (docs/cluster.md; "off" disables)',
      bindAddress(true),
      'off',
    )
    .option(
      '--join <raft/service | admin>',
      'join a cluster as a new node that waits for `tsoracle admin add-learner`: RAFT_H:P/SERVICE_H:P (its own addresses) with the bootstrap --peers, or ADMIN_H:P (a member\'s admin endpoint, which gives the peers) with --advertise',
    )
    .option('--advertise <raft/service>', "with --join ADMIN_H:P: this node's own RAFT_H:P/SERVICE_H:P");
  addConsensusTimingOptions(raft, 'WAL');
  raft.addOption(
    new Option('--status-heartbeat-interval <duration>', 'how often to log a status line (serving, epoch, requests); 0s disables (--heartbeat-interval is the Raft heartbeat here)')
      .default(HEARTBEAT_INTERVAL_MS_DEFAULT, '10s')
      .argParser(durationInRange(0, SERVE_DURATION_MS_MAX)),
  );
  addTlsOptions(addConnectionLimitOptions(addWindowOptions(raft)), true).action(async (opts: ServeRaftOptions, cmd: Command) => serveRaft(opts, cmd));
  // `serve paxos`: the same flags, defaults and checks as `serve raft`, on the paxos driver (docs/paxos.md).
  const paxos = serve
    .command('paxos')
    .description('a member of a Multi-Paxos cluster (static membership; docs/paxos.md)')
    .requiredOption('--id <n>', "this node's id in --peers (1 to 65535)", parsePositiveInt)
    .requiredOption('--peers <list>', 'every voter, this node included: "1=PEER_H:P/SERVICE_H:P,2=...,3=..."')
    .option('--data-dir <dir>', 'data directory (holds paxos/LOCK, meta, log, snapshot)', DATA_DIR_DEFAULT)
    .option('--listen <host:port>', "client protocol address (default: this node's service address)", bindAddress(false))
    .option('--http-listen <host:port>', 'HTTP address for /metrics, /healthz, /readyz (default: the service host, the service port + 2; "off" disables)', bindAddress(true));
  addConsensusTimingOptions(paxos, 'log');
  addTlsOptions(addConnectionLimitOptions(addWindowOptions(paxos)), true, false).action(async (opts: ServeRaftOptions, cmd: Command) => serveRaft(opts, cmd, startPaxosServer));

  const etcd = serve
    .command('etcd')
    .description('a stateless node whose state lives in an existing etcd cluster (docs/etcd.md)')
    .requiredOption('--etcd-endpoints <list>', 'etcd client URLs: "http://H:P,http://H:P"')
    .requiredOption('--cluster <name>', 'this tsoracle cluster\'s name; keys live under /tsoracle/<name>/')
    .option('--prefix <prefix>', 'key prefix instead of /tsoracle/<cluster>')
    .option('--listen <host:port>', 'client protocol address', bindAddress(false), '127.0.0.1:0')
    .option('--advertise <host:port>', 'the endpoint followers send clients to (default: the bound --listen address)')
    .option('--http-listen <host:port>', 'HTTP address for /metrics, /healthz, /readyz ("off" disables)', bindAddress(true), '127.0.0.1:0')
    .addOption(new Option('--lease-ttl <duration>', 'etcd lease of the leader key, whole seconds').default(3_000, '3s').argParser(durationInRange(1_000, 3_600_000)))
    .addOption(
      new Option('--clock-drift <ratio>', 'assumed bound on every clock rate error; the lease shrinks by twice it').default(0.01, '0.01').argParser((text: string) => {
        try {
          return parseClockDrift(text);
        } catch (e) {
          throw new InvalidArgumentError(e instanceof TsoError ? e.message.replace(/^INVALID_CONFIG: /, '') : String(e));
        }
      }),
    );
  addTlsOptions(addConnectionLimitOptions(addWindowOptions(etcd)), false, false).action(async (opts: ServeEtcdOptions, cmd: Command) => serveEtcd(opts, cmd));

  program
    .command('init')
    .description('seed a new data directory with a high-water (migration from another timestamp source)')
    .option('--data-dir <dir>', 'data directory', DATA_DIR_DEFAULT)
    .requiredOption('--seed-physical-ms <ms>', 'the highest physical ms already used elsewhere, plus a margin', parseSeedPhysicalMs)
    .action(async (opts: { dataDir: string; seedPhysicalMs: number }) => {
      try {
        checkDataDir(opts.dataDir);
        await FileDriver.init(new NodeDisk(), opts.dataDir, opts.seedPhysicalMs);
      } catch (e) {
        fail(e);
      }
      process.stdout.write(`initialized ${opts.dataDir} at high-water ${opts.seedPhysicalMs} ms\n`);
    });

  addClientOptions(program.command('get-ts'))
    .description('get timestamps: N lines, one decimal u64 each')
    .option('--count <n>', `how many timestamps (1 to ${GET_TS_COUNT_MAX}: one millisecond at most)`, countUpTo(GET_TS_COUNT_MAX, 'timestamps'), 1)
    .option('--json', 'print one JSON object')
    .action(async (opts: { endpoints: string[]; count: number; json?: boolean }) =>
      withClient(opts, async (client) => {
        const batch = await client.getTsBatch(opts.count);
        const values = batch.toArray().map((t) => t.toString());
        if (opts.json === true) {
          process.stdout.write(
            `${JSON.stringify({ timestamps: values, physicalMs: batch.physicalMs, logicalStart: batch.logicalStart, count: batch.count, epoch: batch.epoch.toString() })}\n`,
          );
        } else {
          process.stdout.write(`${values.join('\n')}\n`);
        }
      }),
    );

  addClientOptions(program.command('get-seq'))
    .description('get a gapless block of a sequence key: N lines, one decimal each')
    .argument('<key>', `sequence key (${SEQ_KEY_BYTES_MIN}-${SEQ_KEY_BYTES_MAX} UTF-8 bytes)`, parseSeqKey)
    .option('--count <n>', `block size (1 to ${SEQ_COUNT_MAX})`, countUpTo(SEQ_COUNT_MAX, 'values'), 1)
    .option('--json', 'print one JSON object')
    .action(async (key: string, opts: { endpoints: string[]; count: number; json?: boolean }) =>
      withClient(opts, async (client) => {
        const block = await client.getSeq(key, opts.count);
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify({ key, start: block.start.toString(), count: block.count, epoch: block.epoch.toString() })}\n`);
        } else {
          const lines: string[] = [];
          for (let i = 0n; i < BigInt(block.count); i++) lines.push((block.start + i).toString());
          process.stdout.write(`${lines.join('\n')}\n`);
        }
      }),
    );

  for (const [name, description, read] of [
    ['max-safe', "the leader's max safe point: committed high-water − window ahead − 1, physical ms (0 from a follower)", (c: TsoClient) => c.getCurrentMaxSafe()],
    ['frontier', "the leader's safe frontier: min(committed high-water, unexpired lease bounds), physical ms (0 from a follower)", (c: TsoClient) => c.getSafeFrontier()],
  ] as const) {
    addClientOptions(program.command(name))
      .description(description)
      .option('--json', 'print one JSON object')
      .action(async (opts: { endpoints: string[]; json?: boolean }) =>
        withClient(opts, async (client) => {
          const point = await read(client);
          if (opts.json === true) process.stdout.write(`${JSON.stringify({ physicalMs: String(point.physicalMs), epoch: point.epoch.toString() })}\n`);
          else process.stdout.write(`${point.physicalMs}\n`);
        }),
      );
  }

  addClientOptions(program.command('members'))
    .description("the cluster's members as the first node reached knows them: id, role, client endpoint; the leader marked (none from a single file node or etcd)")
    .option('--json', 'print one JSON object')
    .action(async (opts: { endpoints: string[]; json?: boolean }) =>
      withClient(opts, async (client) => {
        const known = await client.members();
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify({ members: known.members, leaderEndpoint: known.leaderEndpoint, answeredBy: known.answeredBy })}\n`);
        } else {
          const lines = known.members.map((m) => `${m.id} ${m.role} ${m.endpoint}${m.endpoint === known.leaderEndpoint ? ' leader' : ''}`);
          process.stdout.write(lines.length === 0 ? 'no members known (a single node or a driver without a membership)\n' : `${lines.join('\n')}\n`);
        }
      }),
    );

  // Stamping leases: `lease acquire <holder>`, `lease renew <id>`, `lease release <id>`.
  const lease = program.command('lease').description('stamping leases: acquire | renew | release (docs/client.md)');
  const printLease = (granted: StampingLease, json: boolean | undefined): void => {
    if (json === true) {
      const fields = { leaseId: granted.leaseId.toString(), tsUpperBoundMs: String(granted.tsUpperBoundMs), expiresAtMs: String(granted.expiresAtMs), epoch: granted.epoch.toString() };
      process.stdout.write(`${JSON.stringify(fields)}\n`);
    } else {
      process.stdout.write(`lease-id ${granted.leaseId}\nts-upper-bound-ms ${granted.tsUpperBoundMs}\nexpires-at-ms ${granted.expiresAtMs}\n`);
    }
  };
  addClientOptions(lease.command('acquire'))
    .description('acquire (or get back) the stamping lease of a holder: stamp physical ms at most ts-upper-bound-ms until expires-at-ms')
    .argument('<holder>', 'the holder key, as UTF-8 text (1 to 128 bytes; hex:... for raw bytes)', parseLeaseHolder)
    .requiredOption('--holder-epoch <n>', 'the holder epoch (u64): a higher one supersedes the holder\'s lease', parseU64)
    .option('--ttl <duration>', 'time to live, within the server\'s bounds (default bounds 5s to 5m)', parseDurationMs, 30_000)
    .option('--json', 'print one JSON object')
    .action(async (holder: Uint8Array, opts: { endpoints: string[]; holderEpoch: bigint; ttl: number; json?: boolean }) =>
      withClient(opts, async (client) => printLease(await client.acquireLease(holder, opts.holderEpoch, opts.ttl), opts.json)),
    );
  addClientOptions(lease.command('renew'))
    .description('renew a stamping lease: a new bound and expiry (the acquire-time TTL)')
    .argument('<lease-id>', 'the lease id an acquire printed (u64)', parseU64)
    .option('--json', 'print one JSON object')
    .action(async (leaseId: bigint, opts: { endpoints: string[]; json?: boolean }) =>
      withClient(opts, async (client) => printLease(await client.renewLease(leaseId), opts.json)),
    );
  addClientOptions(lease.command('release'))
    .description('release a stamping lease (idempotent): it stops binding the frontier')
    .argument('<lease-id>', 'the lease id an acquire printed (u64)', parseU64)
    .option('--json', 'print one JSON object')
    .action(async (leaseId: bigint, opts: { endpoints: string[]; json?: boolean }) =>
      withClient(opts, async (client) => {
        await client.releaseLease(leaseId);
        process.stdout.write(opts.json === true ? `${JSON.stringify({ released: leaseId.toString() })}\n` : `released ${leaseId}\n`);
      }),
    );

  addClientOptions(program.command('get-seq-batch'))
    .description('get gapless blocks of several keys at once, all or none: per value a line "key value"')
    .argument('<key=count...>', `1 to ${SEQ_BATCH_KEYS_MAX} distinct keys, each with its block size (1 to ${SEQ_COUNT_MAX})`, parseSeqBatchEntry)
    .option('--json', 'print one JSON object')
    .action(async (entries: Array<{ key: string; count: number }>, opts: { endpoints: string[]; json?: boolean }) =>
      withClient(opts, async (client) => {
        const batch = await client.getSeqBatch(entries);
        if (opts.json === true) {
          const grants = batch.blocks.map((b) => ({ key: b.key, start: b.start.toString(), count: b.count }));
          process.stdout.write(`${JSON.stringify({ grants, epoch: batch.epoch.toString() })}\n`);
        } else {
          const lines: string[] = [];
          for (const block of batch.blocks) for (let i = 0n; i < BigInt(block.count); i++) lines.push(`${block.key} ${block.start + i}`);
          process.stdout.write(`${lines.join('\n')}\n`);
        }
      }),
    );

  addAdminCommand(program);

  program
    .command('sim')
    .description('deterministic simulation: sim run --seed S | sim swarm --seeds A..B | sim replay FILE (see docs/simulator.md)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'run | swarm | replay, with their flags')
    .action(async (args: string[]) => {
      const code = await runSimCommand(args);
      // sim prints its findings on stdout (and usage errors itself); say why the exit is non-zero.
      const why = SIM_FAILURES.get(code);
      if (why !== undefined) process.stderr.write(`error: sim: ${why} (exit ${code}; details above)\n`);
      process.exit(code);
    });

  const fuzz = program
    .command('fuzz')
    .description('fuzz the decoders (V8 coverage-guided, structure-aware mutations)')
    .option('--target <name>', 'one target (see --list)', parseFuzzTarget)
    .option('--all', 'every target, one after the other')
    .addOption(new Option('--time <duration>', 'time per target (a bare number is seconds)').default(FUZZ_TIME_MS_DEFAULT, '60s').argParser(parseFuzzDuration))
    .option('--seed <n>', 'PRNG seed (printed when omitted)', parseNonNegativeInt)
    .option('--execs <n>', 'also stop each target after n inputs', parsePositiveInt)
    .option('--no-coverage', 'no coverage feedback (faster, blind)')
    .option('--save-corpus', 'keep inputs that reach new code in fuzz/corpus/<target>/')
    .option('--replay <file>', 'replay one saved input')
    .addOption(
      new Option('--hang <duration>', 'an input running this long is a hang (raise it on a loaded machine)').default(FUZZ_HANG_MS_DEFAULT, '10s').argParser(parseFuzzDuration),
    )
    .option('--list', 'list the targets')
    .action(
      async (opts: {
        target?: string;
        all?: boolean;
        time: number;
        seed?: number;
        execs?: number;
        coverage: boolean;
        saveCorpus?: boolean;
        replay?: string;
        hang: number;
        list?: boolean;
      }) => {
        if (opts.list === true) {
          process.stdout.write(`${listTargetNames().join('\n')}\n`);
          return;
        }
        if (opts.replay === undefined && opts.all !== true && opts.target === undefined) usageError(fuzz, 'give --target NAME, --all or --replay FILE');
        const code = await runFuzzCommand({
          timeMs: opts.time,
          hangMs: opts.hang,
          coverage: opts.coverage,
          ...(opts.target !== undefined ? { target: opts.target } : {}),
          ...(opts.all === true ? { all: true } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(opts.execs !== undefined ? { execsMax: opts.execs } : {}),
          ...(opts.saveCorpus === true ? { saveCorpus: true } : {}),
          ...(opts.replay !== undefined ? { replay: opts.replay } : {}),
          logUsageError: (line) => process.stderr.write(`error: ${line}\n${usagePointer(fuzz)}\n`),
        });
        if (code === EXIT_FAILURE) process.stderr.write('error: fuzz: findings (listed above with the commands that replay them)\n');
        process.exit(code);
      },
    );

  // Only the root takes stray words (to name them as an unknown command); set after the
  // subcommands so that none of them inherits it.
  program.allowExcessArguments();
  // A usage error is one `error: ...` line and one pointer to the command's help, never the
  // whole help text (commander's showHelpAfterError stays off).
  forEachCommand(program, (cmd) => {
    cmd.configureOutput({
      outputError: (text, write) => {
        usageErrorPrinted = true;
        write(`${text}${usagePointer(cmd)}\n`);
      },
    });
  });
  return program;
}

/** Why `sim` exited non-zero, by its exit code (DESIGN.md); 2 (usage) it reports itself. */
const SIM_FAILURES: ReadonlyMap<number, string> = new Map([
  [1, 'safety violation'],
  [3, 'liveness failure'],
  [4, 'nondeterminism'],
]);

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  let settled = false;
  // A command whose promise never settles lets the event loop drain, and Node would exit 13
  // without a word: say so instead (every non-zero exit prints an error line).
  process.once('beforeExit', () => {
    if (settled) return;
    process.stderr.write('error: the command stopped without an answer or an error (a bug: please report it)\n');
    process.exit(EXIT_FAILURE);
  });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) fail(e);
    if (e.exitCode === 0) process.exit(0);
    // Every CommanderError from a parser or from error() was printed by outputError; one thrown
    // some other way (a bug in an action) must not end the process silently.
    if (!usageErrorPrinted && e.code !== 'commander.help') process.stderr.write(`${e.message.startsWith('error: ') ? e.message : `error: ${e.message}`}\n(run 'tsoracle --help' for usage)\n`);
    process.exit(EXIT_USAGE);
  } finally {
    settled = true;
  }
}

await main(process.argv);
