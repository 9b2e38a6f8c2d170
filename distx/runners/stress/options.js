// Options of `npm run stress` (runners/stress.ts) and their parsing. Every option has a default,
// so `npm run stress` alone runs a 3-node raft cluster for 60 s with a chaos action every ~3 s.
// Parsing never exits the process: a usage error comes back as a value (the entry exits 2).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
export const INJECTED_VIOLATIONS = ['wipe-data', 'new-request-id-on-retry'];
export const STRESS_NODES_ALLOWED = [3, 5];
export const STRESS_DURATION_MS_DEFAULT = 60_000;
export const STRESS_DURATION_MS_MAX = 24 * 3_600_000;
export const STRESS_CHAOS_INTERVAL_MS_DEFAULT = 3_000;
/** Shorter intervals leave no time to observe a recovery before the next action. */
export const STRESS_CHAOS_INTERVAL_MS_MIN = 200;
export const STRESS_CLIENTS_DEFAULT = 4;
export const STRESS_CLIENTS_MAX = 64;
/** Parses `3s`, `500ms`, `2m`, `1h` or a bare number of milliseconds. */
export function parseDurationMs(text) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
    if (m === null)
        throw new InvalidArgumentError(`not a duration: ${text} (examples: 500ms, 3s, 2m)`);
    const unit = m[2] ?? 'ms';
    const factor = unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : 3_600_000;
    const ms = Math.round(Number(m[1]) * factor);
    if (!Number.isSafeInteger(ms) || ms <= 0)
        throw new InvalidArgumentError(`not a positive duration: ${text}`);
    return ms;
}
function intParser(min, max) {
    return (text) => {
        if (!/^\d+$/.test(text))
            throw new InvalidArgumentError(`not a non-negative integer: ${text}`);
        const n = Number(text);
        if (!Number.isSafeInteger(n) || n < min || n > max)
            throw new InvalidArgumentError(`must be in [${min}, ${max}]: ${text}`);
        return n;
    };
}
/** Parses the arguments after `stress.js`; `randomSeed` supplies the seed when --seed is absent. */
export function parseStressArgs(args, randomSeed) {
    let output = '';
    const program = new Command('stress')
        .description('Multi-process stress of a tsoracle cluster: load, kill -9 / SIGSTOP chaos, and history checks.')
        .exitOverride()
        .configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) })
        .addOption(new Option('--driver <driver>', 'raft cluster, or one file-driver node (harness self-test)').choices(['raft', 'file']).default('raft'))
        .addOption(new Option('--nodes <n>', 'cluster size (raft)').choices(STRESS_NODES_ALLOWED.map(String)).default('3'))
        .option('--duration <duration>', 'how long load and chaos run', parseDurationMs, STRESS_DURATION_MS_DEFAULT)
        .option('--chaos-interval <duration>', 'mean time between chaos actions', parseDurationMs, STRESS_CHAOS_INTERVAL_MS_DEFAULT)
        .option('--seed <n>', 'seed of the chaos and load choices (printed when omitted)', intParser(0, 2 ** 32 - 1))
        .option('--clients <n>', 'load clients', intParser(1, STRESS_CLIENTS_MAX), STRESS_CLIENTS_DEFAULT)
        .option('--election-timeout <duration>', 'passed to serve raft', parseDurationMs)
        .option('--heartbeat-interval <duration>', 'passed to serve raft', parseDurationMs)
        .option('--json', 'print the report as one JSON object (last line of stdout)')
        .option('--keep-data', 'keep the data directories and node logs')
        .addOption(new Option('--inject-violation <bug>', 'positive control: plant a bug (the run must exit 1)').choices([...INJECTED_VIOLATIONS]));
    let parsed;
    try {
        program.parse([...args], { from: 'user' });
        parsed = program.opts();
    }
    catch (e) {
        if (e instanceof CommanderError) {
            return { ok: false, exitCode: e.exitCode === 0 ? 0 : 2, message: output.trim() || e.message };
        }
        throw e;
    }
    const durationMs = parsed.duration;
    const chaosIntervalMs = parsed.chaosInterval;
    if (durationMs > STRESS_DURATION_MS_MAX)
        return { ok: false, exitCode: 2, message: `error: --duration is at most ${STRESS_DURATION_MS_MAX / 3_600_000} h` };
    if (chaosIntervalMs < STRESS_CHAOS_INTERVAL_MS_MIN)
        return { ok: false, exitCode: 2, message: `error: --chaos-interval is at least ${STRESS_CHAOS_INTERVAL_MS_MIN} ms` };
    const driver = parsed.driver;
    return {
        ok: true,
        options: {
            driver,
            nodes: driver === 'file' ? 1 : Number(parsed.nodes),
            durationMs,
            chaosIntervalMs,
            seed: parsed.seed ?? randomSeed(),
            clients: parsed.clients,
            json: parsed.json === true,
            keepData: parsed.keepData === true,
            electionTimeoutMs: parsed.electionTimeout ?? null,
            heartbeatIntervalMs: parsed.heartbeatInterval ?? null,
            injectViolation: parsed.injectViolation ?? null,
        },
    };
}
//# sourceMappingURL=options.js.map