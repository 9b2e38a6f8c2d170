// What every simulated run reports (the single-node run, cluster.ts, and the Raft cluster run,
// raft-run.ts), the mapping of the swarm's disk and network families to the SimDisk and
// SimNetwork fault rules, and what both runs do alike: schedule the nemesis, run the world to
// its end. A report is a function of its run spec.
export function diskFaultsOf(rules) {
    const map = {
        diskTorn: 'crashTorn',
        diskPartial: 'crashPartial',
        diskDirOpsVanish: 'crashDirOpsVanish',
        diskFsyncFail: 'fsyncFail',
        diskFull: 'writeFull',
        diskLatency: 'latencySpike',
        diskReadCorrupt: 'readCorrupt',
    };
    const out = {};
    for (const [family, rule] of Object.entries(rules))
        out[map[family]] = ruleOf(rule);
    return out;
}
export function netFaultsOf(rules) {
    const map = {
        netReset: 'loss',
        netResetAfterDelivery: 'resetAfterDelivery',
        netBadLength: 'badLength',
        netLatency: 'latencySpike',
        netCorrupt: 'corrupt',
    };
    const out = {};
    for (const [family, rule] of Object.entries(rules))
        out[map[family]] = ruleOf(rule);
    return out;
}
function ruleOf(rule) {
    return {
        rate: rule.rate,
        ...(rule.budget === undefined ? {} : { budget: rule.budget }),
        ...(rule.extraUs === undefined ? {} : { extraUs: { minUs: rule.extraUs[0], maxUs: rule.extraUs[1] } }),
    };
}
// --- what the single-node and the cluster runs do alike ---------------------------------------
/**
 * Schedules the seed's nemesis families on the world: each family strikes at gaps drawn from its
 * own stream (`nemesis/<family>`), within its budget, until the safety phase ends; a strike
 * that comes due once the liveness phase started does nothing. `strikes` counts them.
 */
export function scheduleNemesis(world, options, strikes, livenessStarted, strike) {
    const safetyEndMs = options.phases.safetyMs;
    for (const [family, rule] of Object.entries(options.nemesis)) {
        const rng = world.rng.fork(`nemesis/${family}`);
        strikes[family] = 0;
        const next = () => {
            const atMs = world.nowMs + rng.int(rule.gapMs[0], rule.gapMs[1]);
            if (atMs >= safetyEndMs || (strikes[family] ?? 0) >= rule.budget)
                return;
            world.at(atMs, () => {
                if (livenessStarted())
                    return;
                strikes[family] = (strikes[family] ?? 0) + 1;
                strike(family, rng, rng.int(rule.size[0], rule.size[1]));
                next();
            }, `nemesis.${family}`);
        };
        next();
    }
}
/**
 * Runs the world until the run is done (`done()`), its hard end passes (which may move later
 * while it runs: convergence came late) or `eventsMax` events ran; reports the event bound as a
 * violation. Returns whether the run halted on a safety violation or hit the event bound.
 */
export async function runToEnd(world, checker, ends) {
    let events = 0;
    let halted = false;
    let eventBound = false;
    for (;;) {
        const report = await world.run({ untilMs: ends.hardEndMs(), maxEvents: ends.eventsMax - events, stopWhen: ends.done });
        events += report.events;
        if (report.reason === 'failed')
            throw report.error;
        if (report.reason === 'max_events')
            eventBound = true;
        if (report.reason === 'stopped' && checker.hasSafetyViolation)
            halted = true;
        if ((report.reason === 'until' || report.reason === 'idle') && world.nowMs < ends.hardEndMs())
            continue;
        break;
    }
    if (eventBound)
        checker.report('run_event_bound', `the run reached ${ends.eventsMax} events at t=${world.nowMs}`);
    return { halted, eventBound };
}
/** The run's result from its violations: any safety one makes it `safety`. */
export function resultOf(violations) {
    return violations.some((v) => v.class === 'safety') ? 'safety' : violations.length > 0 ? 'liveness' : 'ok';
}
/** Records the result in the trace and builds the seed's report (after the final checks). */
export function finishReport(world, history, checker, run) {
    const violations = checker.violations;
    const result = resultOf(violations);
    world.record('sim.result', { result, violations: violations.length });
    return {
        spec: run.spec,
        options: run.options,
        result,
        violations,
        violationsDropped: checker.dropped,
        events: world.scheduler.eventsRun,
        simMs: world.nowMs,
        wallMs: performance.now() - run.wallStartMs,
        traceHash: world.trace.hash,
        traceEntries: world.trace.count,
        stats: {
            ops: history.summary(),
            serverStarts: history.serverStarts,
            nemesisStrikes: { ...run.strikes },
            diskFaults: run.diskFaults,
            netFaults: world.network.faultCounts(),
            livenessStartMs: run.livenessStartMs,
            convergedMs: run.convergedMs,
            valueChecks: run.valueChecks,
            ...(run.raft === undefined ? {} : { raft: run.raft }),
        },
        trace: world.trace,
    };
}
//# sourceMappingURL=run-shared.js.map