// Helpers for the real-process membership tests (runners/admin.test.ts,
// runners/membership-process.test.ts): `serve raft` children with their output kept, loopback port
// blocks with one admin offset on every node, and the admin CLI run again while the cluster says
// "not now" (an election, a learner still catching up, a change still committing).
//
// Invariants:
//   - Every node spawned through a RaftNodeTracker is SIGKILLed (after a SIGCONT, in case a test
//     paused it) and reaped by `cleanup()`, bounded; a failed test leaves no orphan holding a port.
//   - Every retry loop is bounded by a count of tries; the last answer is returned, never a
//     made-up success.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI_PATH, REPO_ROOT, type ChildTracker, type CliResult } from './test-support.js';

export interface NodeProcess {
  readonly id: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  stdout: string;
  stderr: string;
  done: boolean;
}

/** The `serve raft` children of one test file; call `cleanup()` in afterEach. */
export class RaftNodeTracker {
  readonly nodes = new Set<NodeProcess>();

  spawn(id: number, args: readonly string[]): NodeProcess {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
    const node: NodeProcess = {
      id,
      child,
      stdout: '',
      stderr: '',
      done: false,
      exited: new Promise((resolve) => child.once('close', () => ((node.done = true), resolve()))),
    };
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (node.stdout += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (node.stderr += c));
    this.nodes.add(node);
    return node;
  }

  async cleanup(): Promise<void> {
    for (const node of this.nodes) {
      if (node.done) continue;
      node.child.kill('SIGCONT');
      node.child.kill('SIGKILL');
    }
    await Promise.race([Promise.all([...this.nodes].map((n) => n.exited)), new Promise((r) => setTimeout(r, 10_000))]);
    this.nodes.clear();
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` free loopback ports base, base + 1, ...: the admin endpoints of the bootstrap voters are
 * derived as service port + the same offset on every node, so the test's ports keep one offset.
 */
export async function consecutiveFreePorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    let free = true;
    for (const port of ports) if (!(await portIsFree(port))) free = false;
    if (free) return ports;
  }
  throw new Error(`no ${count} consecutive free loopback ports`);
}

/**
 * Runs an admin command, again while the answer is NOT_LEADER without a known leader (an election
 * under a loaded machine): the CLI follows a known leader's redirect itself.
 */
export async function adminCli(cli: ChildTracker, args: readonly string[]): Promise<CliResult> {
  return adminCliUntil(cli, args, /(?!)/);
}

/** What a change may answer while the cluster is busy rather than wrong: worth another try. */
export const CHANGE_NOT_NOW = /NOT_CAUGHT_UP|MEMBERSHIP_CHANGE_IN_FLIGHT|MEMBERSHIP_LEADER_NOT_READY|DRIVER_LEADERSHIP_LOST|DRIVER_NOT_LEADER|NOT_LEADER|TIMEOUT/;

/**
 * Runs an admin command, again (up to `tries` times, 250 ms apart) while it fails with NOT_LEADER
 * without a known leader, or with an answer matching `transient` (say CHANGE_NOT_NOW). Returns
 * the last answer.
 */
export async function adminCliUntil(cli: ChildTracker, args: readonly string[], transient: RegExp, tries = 40): Promise<CliResult> {
  for (let attempt = 0; ; attempt++) {
    const result = await cli.run(args);
    const output = result.stderr + result.stdout;
    const electing = result.code === 1 && /NOT_LEADER/.test(output) && !/leader admin endpoint/.test(result.stderr);
    const busy = result.code === 1 && transient.test(output);
    if ((!electing && !busy) || attempt >= tries) return result;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface MembersJson {
  readonly members: ReadonlyArray<{ id: number; role: string; raftAddr: string; serviceEndpoint: string; adminEndpoint: string }>;
  readonly leader: number | null;
}
