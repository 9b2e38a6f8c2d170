// `tsoracle fuzz`: runs one target or all of them for a time each, or replays one saved input.
// The runner prints, per target, executions, executions per second, corpus size, coverage
// features and every finding with the command that replays it, and returns exit code 1 when
// anything was found (0 otherwise, 2 on a usage error), which is what `npm run fuzz:nightly`
// relies on.
//
// Compiled (dist/fuzz/*.js), each target runs in a worker thread under a hang watchdog
// (heartbeat.ts); under vitest (fuzz/*.ts, which a worker cannot load) it runs in-process.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { checkInput, INPUT_BUDGET_MS_DEFAULT } from './check.js';
import { toHex } from './deep-equal.js';
import { fuzzTarget, type Finding, type FuzzOptions, type FuzzReport } from './engine.js';
import { createHeartbeatBuffer, HeartbeatReader } from './heartbeat.js';
import { listTargetNames, loadTarget } from './registry.js';
import { corpusDir, displayPath, findingsDir, replayCommand, writeInput } from './store.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

export interface FuzzCommandOptions {
  /** One registered target (see `listTargetNames()`). */
  readonly target?: string;
  /** Every registered target, one after the other. */
  readonly all?: boolean;
  /** Time per target. */
  readonly timeMs: number;
  /** PRNG seed; a time-derived one (printed) when omitted. */
  readonly seed?: number;
  /** V8 coverage feedback (default on). */
  readonly coverage?: boolean;
  /** Replay one saved input (with `target`, or inferred from the file's folder name). */
  readonly replay?: string;
  /** Stop each target after this many executions as well. */
  readonly execsMax?: number;
  /** Save inputs that reach new coverage into fuzz/corpus/<target>/. */
  readonly saveCorpus?: boolean;
  /** Run targets in worker threads with a hang watchdog (default: when running compiled). */
  readonly isolate?: boolean;
  /** An input that runs this long without finishing is a hang (default 10 s). */
  readonly hangMs?: number;
  /** Output lines (default console.log). */
  readonly log?: (line: string) => void;
  /** The line of a usage error, returned as exit code 2 (default: `log`; the CLI prints `error: ...` on stderr). */
  readonly logUsageError?: (line: string) => void;
}

/** An input running this long stops the worker: a hang. */
export const HANG_MS_DEFAULT = 10_000;
const WATCHDOG_POLL_MS = 250;

export async function runFuzzCommand(options: FuzzCommandOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const usageError = options.logUsageError ?? log;
  if (options.replay !== undefined) return replay(options.replay, options.target, log, usageError);
  const names = listTargetNames();
  let selected: string[];
  if (options.all === true) selected = names;
  else if (options.target !== undefined) {
    if (!names.includes(options.target)) {
      usageError(`unknown fuzz target "${options.target}"; targets: ${names.join(', ')}`);
      return 2;
    }
    selected = [options.target];
  } else {
    usageError(`usage: tsoracle fuzz (--target NAME | --all) [--time 60s] [--seed N] [--no-coverage] | --replay FILE\ntargets: ${names.join(', ')}`);
    return 2;
  }
  if (!(Number.isFinite(options.timeMs) && options.timeMs > 0)) {
    usageError(`--time must be a positive duration (got ${options.timeMs} ms)`);
    return 2;
  }
  const seed = options.seed ?? Math.floor(Date.now() % 2 ** 31);
  const coverage = options.coverage ?? true;
  const isolate = options.isolate ?? import.meta.url.endsWith('.js');
  log(`fuzzing ${selected.length} target(s) for ${formatMs(options.timeMs)} each, seed ${seed}, coverage ${coverage ? 'on' : 'off'}${isolate ? ', hang watchdog on' : ''}`);

  const reports: FuzzReport[] = [];
  for (const name of selected) {
    const fuzzOptions: FuzzOptions = {
      seed,
      timeMs: options.timeMs,
      coverage,
      corpusDir: corpusDir(name),
      findingsDir: findingsDir(name),
      ...(options.execsMax === undefined ? {} : { execsMax: options.execsMax }),
      ...(options.saveCorpus === true ? { corpusOutDir: corpusDir(name) } : {}),
    };
    const report = isolate
      ? await runIsolated(name, fuzzOptions, { hangMs: options.hangMs ?? HANG_MS_DEFAULT, log })
      : fuzzTarget(await loadTarget(name), { ...fuzzOptions, log });
    reports.push(report);
    log(summaryLine(report));
  }
  log(summaryTable(reports, seed));
  const findings = reports.flatMap((r) => r.findings);
  if (findings.length > 0) {
    log(`\n${findings.length} finding(s); reproducers:`);
    for (const finding of findings) log(`  ${finding.kind} ${finding.signature}\n    ${finding.replayCommand ?? `(not saved) input ${toHex(finding.input)}`}`);
    return 1;
  }
  return 0;
}

export interface IsolatedRunOptions {
  readonly hangMs: number;
  readonly log: (line: string) => void;
  /** For test-only targets: a module URL and the export holding the target (or a factory). */
  readonly targetModule?: string;
  readonly exportName?: string;
}

/** Runs one target in a worker thread; a stuck input becomes a `hang` finding. */
export function runIsolated(targetName: string, options: FuzzOptions, isolated: IsolatedRunOptions): Promise<FuzzReport> {
  const heartbeatBuffer = createHeartbeatBuffer();
  const heartbeat = new HeartbeatReader(heartbeatBuffer);
  const { beforeInput: _b, log: _l, onFinding: _f, ...cloneable } = options;
  const workerData: WorkerInput = {
    targetName,
    options: cloneable,
    heartbeat: heartbeatBuffer,
    ...(isolated.targetModule === undefined ? {} : { targetModule: isolated.targetModule }),
    ...(isolated.exportName === undefined ? {} : { exportName: isolated.exportName }),
  };
  const startMs = performance.now();
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const findings: Finding[] = [];
  return new Promise<FuzzReport>((resolvePromise, reject) => {
    let settled = false;
    let lastStarted = -1;
    let lastProgressMs = performance.now();
    const settle = (result: { report: FuzzReport } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      if ('report' in result) resolvePromise(result.report);
      else reject(result.error);
    };
    const watchdog = setInterval(() => {
      const started = heartbeat.started;
      const nowMs = performance.now();
      // No input has begun: the worker is still loading the target and its modules, which on a
      // loaded machine can itself take seconds. That is not a hang (found by the hand-planted
      // runs: "hang" reports with 0 execs at load 19).
      if (started === 0) {
        lastProgressMs = nowMs;
        return;
      }
      if (started !== lastStarted) {
        lastStarted = started;
        lastProgressMs = nowMs;
        return;
      }
      if (nowMs - lastProgressMs < isolated.hangMs) return;
      const input = heartbeat.currentInput();
      const hang = hangFinding(targetName, input, started, nowMs - lastProgressMs, options);
      isolated.log(`FINDING ${targetName} hang: an input ran ${formatMs(nowMs - lastProgressMs)} without finishing\n  input ${toHex(input.subarray(0, 64))}${input.length > 64 ? '…' : ''} (${input.length} bytes)${hang.replayCommand === null ? '' : `\n  replay: ${hang.replayCommand}`}`);
      findings.push(hang);
      void worker.terminate();
      const elapsedMs = nowMs - startMs;
      settle({
        report: {
          target: targetName,
          seed: options.seed,
          coverage: options.coverage === true,
          execs: started,
          elapsedMs,
          execsPerSecond: (started * 1000) / Math.max(1, elapsedMs),
          corpusSize: 0,
          startingCorpusSize: 0,
          coverageFeatures: 0,
          coverageBatch: 0,
          coverageTakes: 0,
          coverageAttributionTakes: 0,
          accepted: 0,
          rejectedByCode: {},
          findings,
        },
      });
    }, WATCHDOG_POLL_MS);
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'log':
          isolated.log(message.line);
          return;
        case 'finding':
          findings.push(message.finding);
          return;
        case 'report':
          settle({ report: message.report });
          void worker.terminate();
          return;
        case 'error':
          settle({ error: new Error(`fuzz worker for ${targetName} failed: ${message.message}`) });
          void worker.terminate();
          return;
      }
    });
    worker.on('error', (error) => settle({ error }));
    worker.on('exit', (code) => settle({ error: new Error(`fuzz worker for ${targetName} exited (code ${code}) without a report`) }));
  });
}

function hangFinding(targetName: string, input: Uint8Array, execIndex: number, stuckMs: number, options: FuzzOptions): Finding {
  const signature = `hang:${targetName}`;
  const detail = `an input ran ${formatMs(stuckMs)} without finishing\ninput (${input.length} bytes): ${toHex(input.subarray(0, 256))}`;
  let path: string | null = null;
  let command: string | null = null;
  if (options.findingsDir !== undefined && options.findingsDir !== null) {
    path = writeInput(options.findingsDir, input);
    command = replayCommand(targetName, path);
    writeInput(options.findingsDir, input, [`target: ${targetName}`, 'kind: hang', `signature: ${signature}`, `seed: ${options.seed}`, `replay: ${command}`, '', detail].join('\n'));
  }
  return { target: targetName, kind: 'hang', signature, detail, input, path, replayCommand: command, execIndex, hits: 1 };
}

/** Replays one file: prints what the decoder did; 1 when a property fails. */
async function replay(file: string, targetName: string | undefined, log: (line: string) => void, usageError: (line: string) => void): Promise<number> {
  const path = resolve(file);
  const name = targetName ?? basename(dirname(path));
  const names = listTargetNames();
  if (!names.includes(name)) {
    usageError(`cannot tell the target of ${file}; pass --target NAME (targets: ${names.join(', ')})`);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    usageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const target = await loadTarget(name);
  const outcome = checkInput(target, bytes, { inputBudgetMs: INPUT_BUDGET_MS_DEFAULT });
  const head = `replay ${name} ${displayPath(path)} (${bytes.length} bytes)`;
  switch (outcome.kind) {
    case 'accepted':
      log(`${head}: decoded, every property holds`);
      return 0;
    case 'rejected':
      log(`${head}: rejected with ${outcome.code}${outcome.offset === null ? '' : ` at offset ${outcome.offset}`}, as it may be`);
      return 0;
    case 'finding':
      log(`${head}: FINDING ${outcome.finding} ${outcome.signature}\n${outcome.detail}`);
      return 1;
  }
}

function summaryLine(report: FuzzReport): string {
  return `${report.target}: ${report.execs} execs in ${formatMs(report.elapsedMs)} (${Math.round(report.execsPerSecond)}/s), corpus ${report.startingCorpusSize}→${report.corpusSize}, coverage features ${report.coverageFeatures}, findings ${report.findings.length}`;
}

function summaryTable(reports: readonly FuzzReport[], seed: number): string {
  const rows = [['target', 'execs', 'execs/s', 'corpus', 'features', 'findings']];
  for (const r of reports) {
    rows.push([r.target, String(r.execs), String(Math.round(r.execsPerSecond)), String(r.corpusSize), String(r.coverageFeatures), String(r.findings.length)]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const lines = rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '));
  return `\nseed ${seed} (rerun with --seed ${seed})\n${lines.join('\n')}`;
}

/** Parses a duration: `60s`, `10m`, `1h`, `500ms`, or a bare number of seconds. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) return null;
  const amount = Number(match[1]);
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = amount * unitMs;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
