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
import { readFileSync } from 'node:fs';
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
 * The kernel's ephemeral port range (`ip_local_port_range`): the source ports of outgoing
 * connections and of `listen(0)` come from it. Linux's default when the file cannot be read.
 */
export function ephemeralPortRange(): { readonly low: number; readonly high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && (low as number) <= (high as number)) return { low: low as number, high: high as number };
  } catch {
    // not Linux, or no /proc: the default below
  }
  return { low: 32_768, high: 60_999 };
}

/** Lowest port a block may start at: above the well-known and common service ports. */
const PORT_BLOCK_FLOOR = 10_000;

/** The `index`-th start of `spans` taken one after the other (index below their total size). */
function startAt(spans: ReadonlyArray<{ readonly from: number; readonly to: number }>, index: number): number {
  let rest = index;
  for (const span of spans) {
    const size = span.to - span.from + 1;
    if (rest < size) return span.from + rest;
    rest -= size;
  }
  throw new Error(`start ${index} past the spans`);
}

/**
 * `count` free loopback ports base, base + 1, ...: the admin endpoints of the bootstrap voters are
 * derived as service port + the same offset on every node, so the test's ports keep one offset.
 *
 * The block lies outside the ephemeral range. A block inside it was a flake (stop 33): a node's
 * ports stay unbound until it starts, and meanwhile any outgoing connection on the machine (the
 * cluster's own Raft links, the admin CLI, parallel test files) may take one of them as its source
 * port, so a joiner started later died of EADDRINUSE.
 */
export async function consecutiveFreePorts(count: number): Promise<number[]> {
  const { low, high } = ephemeralPortRange();
  // Where a block may start: below the range (above the floor), or above it.
  const spans = [
    { from: PORT_BLOCK_FLOOR, to: low - count },
    { from: high + 1, to: 65_536 - count },
  ].filter((span) => span.from <= span.to);
  const startsTotal = spans.reduce((sum, span) => sum + (span.to - span.from + 1), 0);
  if (startsTotal === 0) throw new Error(`no room for ${count} consecutive ports outside the ephemeral range ${low}-${high}`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = startAt(spans, Math.floor(Math.random() * startsTotal));
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
