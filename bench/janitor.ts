// Cleanup for the benchmark: every process it starts and every temporary directory it makes is
// registered here as soon as it exists, and released in reverse order on the way out — when the
// run ends, when it throws, and on SIGINT/SIGTERM (then the process exits 130/143). A synchronous
// last resort runs on 'exit' for whatever is still registered (SIGKILL, rmSync).
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';

interface Task {
  readonly name: string;
  readonly release: () => Promise<void>;
  readonly releaseSync: () => void;
}

export class Janitor {
  private readonly tasks: Task[] = [];
  private releasing: Promise<void> | null = null;

  /** Registers a cleanup; the returned function unregisters it (after doing it by hand). */
  defer(name: string, release: () => Promise<void>, releaseSync: () => void): () => void {
    const task: Task = { name, release, releaseSync };
    this.tasks.push(task);
    return () => {
      const index = this.tasks.indexOf(task);
      if (index >= 0) this.tasks.splice(index, 1);
    };
  }

  /** A temporary directory, removed recursively. */
  deferDir(dir: string): () => void {
    return this.defer(
      `rm -r ${dir}`,
      () => rm(dir, { recursive: true, force: true }),
      () => rmSync(dir, { recursive: true, force: true }),
    );
  }

  /** A child process, stopped by `stop` (graceful) or, on 'exit', SIGKILLed. */
  deferProcess(name: string, child: ChildProcess, stop: () => Promise<void>): () => void {
    return this.defer(name, stop, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  }

  /** Runs every registered cleanup, newest first; a failing one is reported and the rest still run. */
  releaseAll(): Promise<void> {
    this.releasing ??= (async () => {
      while (this.tasks.length > 0) {
        const task = this.tasks.pop() as Task;
        try {
          await task.release();
        } catch (e) {
          process.stderr.write(`cleanup (${task.name}) failed: ${e instanceof Error ? e.message : String(e)}\n`);
          try {
            task.releaseSync();
          } catch {
            // Nothing more to do.
          }
        }
      }
    })().finally(() => {
      this.releasing = null;
    });
    return this.releasing;
  }

  releaseAllSync(): void {
    while (this.tasks.length > 0) {
      const task = this.tasks.pop() as Task;
      try {
        task.releaseSync();
      } catch {
        // Best effort on the way out.
      }
    }
  }

  /** SIGINT/SIGTERM release everything and exit 128 + signal number; 'exit' releases synchronously. */
  installProcessHandlers(): void {
    const onSignal = (signal: NodeJS.Signals, code: number) => {
      process.stderr.write(`\n${signal}: stopping and cleaning up\n`);
      const force = setTimeout(() => {
        this.releaseAllSync();
        process.exit(code);
      }, 20_000);
      void this.releaseAll().finally(() => {
        clearTimeout(force);
        process.exit(code);
      });
    };
    process.once('SIGINT', () => onSignal('SIGINT', 130));
    process.once('SIGTERM', () => onSignal('SIGTERM', 143));
    process.once('exit', () => this.releaseAllSync());
  }
}
