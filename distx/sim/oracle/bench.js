// Benchmark of the simulator running the oracle, one node or a Raft cluster (not a test: numbers are reported,
// never asserted). `benchOracle` runs N seeds of a profile one after another on this thread and
// reports scheduler events per second of wall time and the time compression (virtual ms per
// wall ms), and the same per CPU time (on a shared machine wall time includes waiting for a core). The default profile is 'bench': the fault-free single-node workload (2 clients × 2
// callers, think time up to 40 ms, a 3 s window, 10 virtual seconds per seed); the swarm
// profile measures the same with faults and heavier mixes.
import process from 'node:process';
import { runSeed } from './cluster.js';
export async function benchOracle(options) {
    const profile = options.profile ?? 'bench';
    const nodes = options.nodes ?? 1;
    const first = options.firstSeed ?? 1;
    let events = 0;
    let calls = 0;
    let simMs = 0;
    const startedMs = performance.now();
    const cpuStart = process.cpuUsage();
    for (let seed = first; seed < first + options.seeds; seed++) {
        const report = await runSeed({ seed, profile, planted: null, ...(nodes === 1 ? {} : { nodes }) });
        events += report.events;
        simMs += report.simMs;
        for (const kind of Object.values(report.stats.ops))
            calls += kind.ok + kind.failed + kind.unknown + kind.pending;
    }
    const wallMs = performance.now() - startedMs;
    const cpu = process.cpuUsage(cpuStart);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return {
        profile,
        nodes,
        seeds: options.seeds,
        events,
        calls,
        simMs,
        wallMs,
        cpuMs,
        eventsPerSecond: events / (wallMs / 1000),
        eventsPerCpuSecond: events / (cpuMs / 1000),
        compression: simMs / wallMs,
        compressionCpu: simMs / cpuMs,
        callsPerVirtualSecond: calls / (simMs / 1000),
    };
}
//# sourceMappingURL=bench.js.map