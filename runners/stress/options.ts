// Options of `npm run stress` (runners/stress.ts) and their parsing. Every option has a default,
// so `npm run stress` alone runs a 3-node raft cluster for 60 s with a chaos action every ~3 s.
// Parsing never exits the process: a usage error comes back as a value (the entry exits 2).

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

export type StressDriver = 'raft' | 'paxos' | 'file' | 'etcd';

/**
 * Planted bugs that prove the checkers see real-process violations:
 *   - wipe-data: a killed node's data directory is emptied before its restart (with the file
 *     driver the service forgets acknowledged blocks: sequence real-time order and ledger fail);
 *   - new-request-id-on-retry: the load clients retry a getSeq whose attempt may have been
 *     executed under a NEW request id (drivers/client's planted-bug switch), so a retry can
 *     spend a second block: a ledger hole no unknown outcome explains.
 */
export type InjectedViolation = 'wipe-data' | 'new-request-id-on-retry';
export const INJECTED_VIOLATIONS: readonly InjectedViolation[] = ['wipe-data', 'new-request-id-on-retry'];

export interface StressOptions {
  /** `raft` / `paxos`: a cluster of `tsoracle serve raft` / `serve paxos`; `file`: one `serve file` node (no failover; a harness self-test). */
  readonly driver: StressDriver;
  readonly nodes: number;
  /** How long the load and the chaos run. */
  readonly durationMs: number;
  /** Mean time between two chaos actions (each wait is drawn in [0.5, 1.5] × this). */
  readonly chaosIntervalMs: number;
  /** Seeds the chaos choices and timings and the load's choices (the processes' timing is real). */
  readonly seed: number;
  /** Load clients (one `createClient` each, with every node's endpoint). */
  readonly clients: number;
  readonly json: boolean;
  /** Keep the data directories and node logs (they are kept anyway when a run finds a violation). */
  readonly keepData: boolean;
  /** Passed to `serve raft` when given (otherwise the server's defaults). */
  readonly electionTimeoutMs: number | null;
  readonly heartbeatIntervalMs: number | null;
  /** A planted bug (positive control): the run must then exit 1. Null: none. */
  readonly injectViolation: InjectedViolation | null;
  /** Raft: the chaos also replaces nodes through the admin API (runners/stress/replacement.ts). */
  readonly replacements: boolean;
  /** etcd: every second etcd chaos action kills two of the three members at once (etcd loses its quorum). */
  readonly etcdQuorumLoss: boolean;
}

export const STRESS_NODES_ALLOWED: readonly number[] = [3, 5];
export const STRESS_DURATION_MS_DEFAULT = 60_000;
export const STRESS_DURATION_MS_MAX = 24 * 3_600_000;
export const STRESS_CHAOS_INTERVAL_MS_DEFAULT = 3_000;
/** Shorter intervals leave no time to observe a recovery before the next action. */
export const STRESS_CHAOS_INTERVAL_MS_MIN = 200;
export const STRESS_CLIENTS_DEFAULT = 4;
export const STRESS_CLIENTS_MAX = 64;

/** Parses `3s`, `500ms`, `2m`, `1h` or a bare number of milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError(`not a duration: ${text} (examples: 500ms, 3s, 2m)`);
  const unit = m[2] ?? 'ms';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : 3_600_000;
  const ms = Math.round(Number(m[1]) * factor);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new InvalidArgumentError(`not a positive duration: ${text}`);
  return ms;
}

function intParser(min: number, max: number): (text: string) => number {
  return (text: string): number => {
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`not a non-negative integer: ${text}`);
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be in [${min}, ${max}]: ${text}`);
    return n;
  };
}

export type ParsedOptions = { readonly ok: true; readonly options: StressOptions } | { readonly ok: false; readonly exitCode: 0 | 2; readonly message: string };

/** Parses the arguments after `stress.js`; `randomSeed` supplies the seed when --seed is absent. */
export function parseStressArgs(args: readonly string[], randomSeed: () => number): ParsedOptions {
  let output = '';
  const program = new Command('stress')
    .description('Multi-process stress of a tsoracle cluster: load, kill -9 / SIGSTOP chaos, and history checks.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) })
    .addOption(new Option('--driver <driver>', 'raft or paxos cluster, stateless etcd-driver nodes on a 3-member etcd the run starts, or one file-driver node (harness self-test)').choices(['raft', 'paxos', 'file', 'etcd']).default('raft'))
    .addOption(new Option('--nodes <n>', 'cluster size (raft, paxos)').choices(STRESS_NODES_ALLOWED.map(String)).default('3'))
    .option('--duration <duration>', 'how long load and chaos run', parseDurationMs, STRESS_DURATION_MS_DEFAULT)
    .option('--chaos-interval <duration>', 'mean time between chaos actions', parseDurationMs, STRESS_CHAOS_INTERVAL_MS_DEFAULT)
    .option('--seed <n>', 'seed of the chaos and load choices (printed when omitted)', intParser(0, 2 ** 32 - 1))
    .option('--clients <n>', 'load clients', intParser(1, STRESS_CLIENTS_MAX), STRESS_CLIENTS_DEFAULT)
    .option('--election-timeout <duration>', 'passed to serve raft / serve paxos', parseDurationMs)
    .option('--heartbeat-interval <duration>', 'passed to serve raft / serve paxos', parseDurationMs)
    .option('--json', 'print the report as one JSON object (last line of stdout)')
    .option('--keep-data', 'keep the data directories and node logs')
    .option('--replacements', 'raft: the chaos also replaces nodes (add a fresh node, promote it, remove an old one) through the admin API')
    .option('--etcd-quorum-loss', 'etcd: every second etcd chaos action kills two of the three etcd members at once (the quorum is lost until both restart)')
    .addOption(new Option('--inject-violation <bug>', 'positive control: plant a bug (the run must exit 1)').choices([...INJECTED_VIOLATIONS]));
  let parsed: Record<string, unknown>;
  try {
    program.parse([...args], { from: 'user' });
    parsed = program.opts();
  } catch (e) {
    if (e instanceof CommanderError) {
      return { ok: false, exitCode: e.exitCode === 0 ? 0 : 2, message: output.trim() || e.message };
    }
    throw e;
  }
  const durationMs = parsed.duration as number;
  const chaosIntervalMs = parsed.chaosInterval as number;
  if (durationMs > STRESS_DURATION_MS_MAX) return { ok: false, exitCode: 2, message: `error: --duration is at most ${STRESS_DURATION_MS_MAX / 3_600_000} h` };
  if (chaosIntervalMs < STRESS_CHAOS_INTERVAL_MS_MIN) return { ok: false, exitCode: 2, message: `error: --chaos-interval is at least ${STRESS_CHAOS_INTERVAL_MS_MIN} ms` };
  const driver = parsed.driver as StressDriver;
  if (parsed.replacements === true && driver !== 'raft') return { ok: false, exitCode: 2, message: `error: --replacements needs --driver raft (membership changes are a raft feature), not ${driver}` };
  if (parsed.etcdQuorumLoss === true && driver !== 'etcd') return { ok: false, exitCode: 2, message: `error: --etcd-quorum-loss needs --driver etcd, not ${driver}` };
  return {
    ok: true,
    options: {
      driver,
      nodes: driver === 'file' ? 1 : Number(parsed.nodes),
      durationMs,
      chaosIntervalMs,
      seed: (parsed.seed as number | undefined) ?? randomSeed(),
      clients: parsed.clients as number,
      json: parsed.json === true,
      keepData: parsed.keepData === true,
      electionTimeoutMs: (parsed.electionTimeout as number | undefined) ?? null,
      heartbeatIntervalMs: (parsed.heartbeatInterval as number | undefined) ?? null,
      injectViolation: (parsed.injectViolation as InjectedViolation | undefined) ?? null,
      replacements: parsed.replacements === true,
      etcdQuorumLoss: parsed.etcdQuorumLoss === true,
    },
  };
}
