// Running seeds: one seed as a JSON-ready report, a swarm over a range of seeds, the
// determinism check (the same seed twice, compared event by event), and the replay of a trace
// file. The command line (runners/sim.ts) is a thin layer over these.
//
// Invariants:
//   - Everything a report holds is plain JSON: u64 values (bigints) are decimal strings.
//   - A trace file's first lines name the run (`sim.spec`: seed, profile, planted bug), so a
//     replay needs nothing but the file; the replay re-runs the spec and compares every line.
//   - Seeds run one after another in this process (the world is single-threaded and holds no
//     global state between runs; the determinism test runs a seed in two processes).
import { readFileSync } from 'node:fs';
import { assert } from '../../core/assert.js';
import { firstDivergence, hashTraceLines } from '../trace.js';
import { runSeed } from './cluster.js';
import { familiesOn, FAULT_FAMILIES, nodesOf } from './options.js';
/** Seeds one swarm may run (a range beyond this is a typo). */
export const SWARM_SEEDS_MAX = 10_000_000;
/** JSON.stringify with bigints as decimal strings. */
export function toJson(value, indent) {
    return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), indent);
}
/** The JSON form of a seed's report (what `sim run --json` prints). */
export function seedJson(report) {
    return {
        seed: report.spec.seed,
        nodes: nodesOf(report.spec),
        profile: report.spec.profile,
        planted: report.spec.planted,
        result: report.result,
        events: report.events,
        simMs: report.simMs,
        wallMs: Math.round(report.wallMs),
        traceHash: report.traceHash,
        traceEntries: report.traceEntries,
        familiesOn: familiesOn(report.options),
        options: JSON.parse(toJson(report.options)),
        violations: report.violations,
        violationsDropped: report.violationsDropped,
        stats: JSON.parse(toJson(report.stats)),
    };
}
/** The exit code of a run's result (DESIGN.md: 0 ok, 1 safety, 3 liveness). */
export function exitCodeOf(result) {
    return result === 'ok' ? 0 : result === 'safety' ? 1 : 3;
}
/** Runs the spec twice in this process and compares the two traces line by line. */
export async function checkDeterminism(spec) {
    const first = await runSeed(spec, { keepTrace: true });
    const second = await runSeed(spec, { keepTrace: true });
    const divergence = firstDivergence(first.trace.lines(), second.trace.lines());
    return { same: divergence === null && first.traceHash === second.traceHash, first, second, divergence };
}
// --- replay ------------------------------------------------------------------------------------------
/** Reads the run spec from a trace file's `sim.spec` line. */
export function specOfTrace(lines) {
    for (const line of lines.slice(0, 16)) {
        let parsed;
        try {
            parsed = JSON.parse(line);
        }
        catch {
            return null;
        }
        const entry = parsed;
        if (entry.kind !== 'sim.spec' || entry.details === undefined)
            continue;
        const { seed, profile, planted, nodes } = entry.details;
        if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || typeof profile !== 'string')
            return null;
        if (planted !== null && typeof planted !== 'string')
            return null;
        // A single-node trace has no `nodes` (its spec line predates clusters).
        if (nodes !== undefined && (typeof nodes !== 'number' || !Number.isSafeInteger(nodes)))
            return null;
        return (nodes === undefined ? { seed, profile, planted } : { seed, profile, planted, nodes });
    }
    return null;
}
/** Re-runs the run a trace file records and compares the new trace with the file. */
export async function replayTraceFile(path) {
    let text;
    try {
        text = readFileSync(path, 'utf8');
    }
    catch (e) {
        return { error: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}` };
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '')
        lines.pop();
    const spec = specOfTrace(lines);
    if (spec === null)
        return { error: `${path} is not a trace of \`tsoracle sim\` (no sim.spec line at its start)` };
    const report = await runSeed(spec, { keepTrace: true });
    const divergence = firstDivergence(lines, report.trace.lines());
    return { spec, report, same: divergence === null, fileHash: hashTraceLines(lines), divergence };
}
/** Nearest-rank percentiles of `values` (null when empty). */
export function percentiles(values) {
    if (values.length === 0)
        return null;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
    return { count: sorted.length, p50: Math.round(rank(0.5)), p99: Math.round(rank(0.99)), max: Math.round(sorted[sorted.length - 1]) };
}
/** Which families of a run actually struck (a nemesis strike or a fault that fired). */
function familiesStruck(report) {
    const s = report.stats;
    const out = new Set();
    for (const [family, n] of Object.entries(s.nemesisStrikes))
        if (n > 0)
            out.add(family);
    const disk = {
        crashTorn: 'diskTorn',
        crashPartial: 'diskPartial',
        crashDirOpsVanish: 'diskDirOpsVanish',
        fsyncFail: 'diskFsyncFail',
        writeFull: 'diskFull',
        latencySpike: 'diskLatency',
        readCorrupt: 'diskReadCorrupt',
    };
    for (const [fault, n] of Object.entries(s.diskFaults))
        if (n > 0 && disk[fault] !== undefined)
            out.add(disk[fault]);
    const net = {
        loss: 'netReset',
        resetAfterDelivery: 'netResetAfterDelivery',
        badLength: 'netBadLength',
        latencySpike: 'netLatency',
        corrupt: 'netCorrupt',
    };
    for (const [fault, n] of Object.entries(s.netFaults))
        if (n > 0 && net[fault] !== undefined)
            out.add(net[fault]);
    return out;
}
/** Runs seeds `fromSeed..toSeed` (inclusive) and summarizes. */
export async function runSwarm(options) {
    const { fromSeed, toSeed } = options;
    assert(Number.isSafeInteger(fromSeed) && Number.isSafeInteger(toSeed) && fromSeed >= 0 && toSeed >= fromSeed, 'swarm_range_valid');
    assert(toSeed - fromSeed + 1 <= SWARM_SEEDS_MAX, 'swarm_seeds_within_limit');
    const total = toSeed - fromSeed + 1;
    const failures = [];
    const hashes = [];
    const coverage = Object.fromEntries(FAULT_FAMILIES.map((f) => [f, { seeds: 0, struck: 0 }]));
    let events = 0;
    let simMs = 0;
    let safety = false;
    const electMs = [];
    const serveMs = [];
    let leaderDeaths = 0;
    const startedMs = performance.now();
    let done = 0;
    for (let seed = fromSeed; seed <= toSeed; seed++) {
        const report = await runSeed({ seed, profile: options.profile, planted: options.planted, ...(options.nodes !== undefined && options.nodes !== 1 ? { nodes: options.nodes } : {}) });
        done++;
        events += report.events;
        simMs += report.simMs;
        hashes.push(`${seed}:${report.traceHash}`);
        for (const f of report.stats.raft?.failovers ?? []) {
            leaderDeaths++;
            if (f.electMs !== null)
                electMs.push(f.electMs);
            if (f.serveMs !== null)
                serveMs.push(f.serveMs);
        }
        const struck = familiesStruck(report);
        for (const family of familiesOn(report.options)) {
            coverage[family].seeds++;
            if (struck.has(family))
                coverage[family].struck++;
        }
        if (report.result !== 'ok') {
            failures.push(seedJson(report));
            if (report.result === 'safety')
                safety = true;
        }
        options.onSeed?.(report, done, total);
        if (report.result !== 'ok' && options.stopAtFirstFailure === true)
            break;
    }
    return {
        seeds: `${fromSeed}..${toSeed}`,
        nodes: options.nodes ?? 1,
        seedsRun: done,
        result: safety ? 'safety' : failures.length > 0 ? 'liveness' : 'ok',
        events,
        simMs,
        wallMs: Math.round(performance.now() - startedMs),
        traceHash: hashTraceLines(hashes),
        failures,
        coverage,
        ...((options.nodes ?? 1) > 1 ? { failover: { leaderDeaths, electMs: percentiles(electMs), serveMs: percentiles(serveMs) } } : {}),
    };
}
//# sourceMappingURL=runner.js.map