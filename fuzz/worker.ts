// Worker-thread entry: fuzzes one target and reports back, so the main thread's watchdog can
// stop a decoder stuck in an endless loop (see heartbeat.ts). Messages to the parent: `log`
// lines, each `finding` as soon as it is saved, then the final `report`.
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzTarget, type Finding, type FuzzOptions, type FuzzReport } from './engine.js';
import { HeartbeatWriter } from './heartbeat.js';
import { loadTarget } from './registry.js';
import type { AnyFuzzTarget } from './target.js';

export interface WorkerInput {
  /** A registered target's name, or ... */
  readonly targetName: string;
  /** ... a module URL whose `exportName` export is the target (test-only targets). */
  readonly targetModule?: string;
  readonly exportName?: string;
  readonly options: Omit<FuzzOptions, 'beforeInput' | 'log' | 'onFinding'>;
  readonly heartbeat: SharedArrayBuffer;
}

export type WorkerMessage =
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'finding'; readonly finding: Finding }
  | { readonly type: 'report'; readonly report: FuzzReport }
  | { readonly type: 'error'; readonly message: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('fuzz/worker.js must run in a worker thread');
  const input = workerData as WorkerInput;
  const post = (message: WorkerMessage): void => port.postMessage(message);
  try {
    const target = await resolveTarget(input);
    const heartbeat = new HeartbeatWriter(input.heartbeat);
    const report = fuzzTarget(target, {
      ...input.options,
      beforeInput: (bytes) => heartbeat.beat(bytes),
      log: (line) => post({ type: 'log', line }),
      onFinding: (finding) => post({ type: 'finding', finding }),
    });
    post({ type: 'report', report });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

async function resolveTarget(input: WorkerInput): Promise<AnyFuzzTarget> {
  if (input.targetModule === undefined) return loadTarget(input.targetName);
  const module = (await import(input.targetModule)) as Record<string, unknown>;
  const exported = module[input.exportName ?? 'default'];
  const target = typeof exported === 'function' ? (exported as () => AnyFuzzTarget)() : (exported as AnyFuzzTarget);
  return target;
}

void main();
