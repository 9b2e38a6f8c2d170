#!/usr/bin/env node
// `npm run stress`: the multi-process stress harness (docs/stress.md). Spawns a cluster of real
// `tsoracle serve raft` processes on loopback, runs client load and a chaos loop (kill -9 and
// SIGSTOP of the leader, follower kills, restarts), checks the history (real-time order and
// uniqueness of timestamps, exactly-once sequence blocks, gapless ledgers), and reports.
//
// Exit codes: 0 no violation; 1 a safety violation; 2 a usage error; 3 a liveness failure (the
// cluster never served, did not recover, or the harness hit a bound); 130 interrupted.
//
// Bounded and clean: a watchdog ends the run past duration + WATCHDOG_SLACK_MS; every child is
// SIGKILLed on any exit of this process (process 'exit' handler), on a second SIGINT, and on an
// uncaught error. Progress goes to stderr; the report to stdout (`--json`: one JSON line).

import { rmSync } from 'node:fs';
import { formatReport, reportJson } from './stress/report.js';
import type { Cluster } from './stress/cluster.js';
import { parseStressArgs } from './stress/options.js';
import { runStress } from './stress/run.js';

/** Time the run may take beyond its duration: start, heal, drain, probes, stop (each bounded). */
export const WATCHDOG_SLACK_MS = 240_000;

let cluster: Cluster | null = null;
let keepData = false;
let stopRequested = false;

function killChildren(): void {
  cluster?.killAllSync();
}

function die(message: string, code: number): never {
  process.stderr.write(`stress: ${message}\n`);
  killChildren();
  if (cluster !== null) {
    if (keepData) {
      process.stderr.write(`stress: data and node logs kept in ${cluster.rootDir}\n`);
    } else {
      try {
        rmSync(cluster.rootDir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        process.stderr.write(`stress: could not remove ${cluster.rootDir}\n`);
      }
    }
  }
  process.exit(code);
}

process.on('exit', killChildren);
process.on('uncaughtException', (e) => die(`uncaught: ${e.stack ?? e.message}`, 3));
process.on('unhandledRejection', (e) => die(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 3));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopRequested) die(`second ${signal}: killing the cluster`, 130);
    stopRequested = true;
    process.stderr.write(`stress: ${signal}: stopping the chaos, healing, checking (send it again to kill at once)\n`);
  });
}

const parsed = parseStressArgs(process.argv.slice(2), () => Math.floor(Math.random() * 2 ** 31));
if (!parsed.ok) {
  (parsed.exitCode === 0 ? process.stdout : process.stderr).write(`${parsed.message}\n`);
  process.exit(parsed.exitCode);
}
const options = parsed.options;
keepData = options.keepData;
process.stderr.write(`stress: seed ${options.seed}\n`);

const watchdog = setTimeout(() => die(`watchdog: the run exceeded its duration + ${WATCHDOG_SLACK_MS / 1000} s`, 3), options.durationMs + WATCHDOG_SLACK_MS);
// Ref'd on purpose: while runStress is awaited at top level, the watchdog also keeps the process
// alive, so a run can never end silently with exit 13 if nothing else is pending.

const report = await runStress(options, {
  log: (line) => process.stderr.write(`${line}\n`),
  stopped: () => stopRequested,
  onCluster: (c) => {
    cluster = c;
  },
});
clearTimeout(watchdog);
if (options.json) {
  process.stderr.write(`${formatReport(report)}\n`);
  process.stdout.write(`${reportJson(report)}\n`);
} else {
  process.stdout.write(`${formatReport(report)}\n`);
}
process.exit(report.exitCode);
