// The cluster under stress: one `tsoracle serve raft` (or `serve paxos`) child process per node (or a single
// `serve file` node, the harness's self-test), on loopback ports chosen once, each with its own
// data directory and log file under one root directory.
//
// Invariants:
//   - Every child is spawned through `spawnNode` and tracked until its exit; `killAllSync()`
//     SIGKILLs whatever is still alive (the entry calls it from process 'exit', so no child
//     outlives the harness however it ends, short of a SIGKILL of the harness itself).
//   - An exit the harness did not ask for (no SIGKILL sent, not stopping) is reported through
//     `onCrash`: a server process must not die by itself.
//   - Every wait is bounded: a start (`serving on`), an exit after a signal, an HTTP probe.
//   - Output is never held in memory beyond the first lines of stdout (parsed for readiness):
//     stdout and stderr go to `<root>/node-<id>.log`.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readSync, statSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { CLI_PATH, REPO_ROOT } from '../test-support.js';
import { pickFreePorts } from './ports.js';
import type { StressDriver } from './options.js';

/** Bound on a node's start: spawn, open (WAL replay), `serving on`. */
export const NODE_READY_TIMEOUT_MS = 30_000;
/** Bound on a node's exit after SIGKILL, or after SIGTERM before a SIGKILL follows. */
export const NODE_EXIT_TIMEOUT_MS = 10_000;
/** Bound on one /readyz probe (a paused node never answers). */
export const READYZ_TIMEOUT_MS = 300;
/** Starts of one node retried when its port was taken meanwhile. */
export const NODE_START_ATTEMPTS_MAX = 3;
/** Bytes of stdout scanned for the readiness line. */
const READY_SCAN_BYTES_MAX = 16 * 1024;
/** Bytes of a node's log quoted in a crash report. */
export const LOG_TAIL_BYTES = 4 * 1024;

export type NodeState = 'down' | 'starting' | 'up' | 'paused';

export interface NodeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Why a start failed: the process exited (its port was taken, or it crashed), or it never said `serving on`. */
export class NodeStartError extends Error {
  constructor(
    readonly nodeId: number,
    readonly reason: 'port_in_use' | 'exited' | 'timeout',
    detail: string,
  ) {
    super(`node ${nodeId} did not start (${reason}): ${detail}`);
    this.name = 'NodeStartError';
  }
}

export class StressNode {
  state: NodeState = 'down';
  child: ChildProcess | null = null;
  exited: Promise<NodeExit> | null = null;
  /** True from the moment the harness sends a signal that ends the process. */
  exitExpected = false;
  starts = 0;
  readonly pids: number[] = [];
  /** Removed from the cluster by a replacement and stopped for good (never restarted). */
  retired = false;

  constructor(
    readonly id: number,
    readonly raftEndpoint: string,
    readonly serviceEndpoint: string,
    readonly httpEndpoint: string,
    readonly dataDir: string,
    readonly logPath: string,
    /** Its membership admin endpoint (`--admin-listen`), when the run makes membership changes. */
    readonly adminEndpoint: string | null = null,
    /** Started with `--join` (added after the cluster's first start), not a bootstrap voter. */
    readonly joining = false,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get alive(): boolean {
    return this.child !== null;
  }
}

export interface ClusterOptions {
  readonly driver: StressDriver;
  readonly nodes: number;
  /** Holds one data directory and one log per node. */
  readonly rootDir: string;
  readonly electionTimeoutMs: number | null;
  readonly heartbeatIntervalMs: number | null;
  /** `--driver etcd`: the etcd client URLs every node is started with (runners/etcd-stress.ts). */
  readonly etcdEndpoints?: string;
  readonly random: () => number;
  /** A node exited although the harness did not end it. */
  readonly onCrash: (node: StressNode, exit: NodeExit, logTail: string) => void;
  /** Harness log lines (progress). */
  readonly log: (line: string) => void;
  /** Raft: give every node an admin endpoint (`--admin-listen`), for replacements. */
  readonly admin?: boolean;
}

/** The last `bytes` of a file, or '' when it cannot be read. */
export function readTail(path: string, bytes = LOG_TAIL_BYTES): string {
  try {
    const size = statSync(path).size;
    const length = Math.min(size, bytes);
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** GET `url`; the HTTP status, or null when there is no answer within `timeoutMs`. No keep-alive. */
export function httpStatus(url: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(status);
    };
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      finish(res.statusCode ?? null);
    });
    req.on('error', () => finish(null));
    const timer = setTimeout(() => {
      req.destroy();
      finish(null);
    }, timeoutMs);
  });
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Cluster {
  /** The current members (and a joining node being added): what the chaos acts on. */
  readonly nodes: StressNode[];
  /** Nodes removed by replacements (stopped; kept for their pids and the final stop). */
  readonly retiredNodes: StressNode[] = [];
  /** The bootstrap voters' `--peers` (every node is started with it, joining ones too). */
  private readonly bootstrapPeers: string;
  private nextId: number;
  private stopping = false;
  private readonly logs = new Map<StressNode, WriteStream>();

  private constructor(
    private readonly options: ClusterOptions,
    nodes: StressNode[],
  ) {
    this.nodes = nodes;
    this.bootstrapPeers = nodes.map((n) => `${n.id}=${n.raftEndpoint}/${n.serviceEndpoint}`).join(',');
    this.nextId = nodes.length + 1;
  }

  private static portsPerNode(options: ClusterOptions): number {
    return options.admin === true ? 4 : 3;
  }

  private static async makeNode(options: ClusterOptions, id: number, ports: readonly number[], joining: boolean): Promise<StressNode> {
    const port = (k: number): number => ports[k] ?? 0;
    const dataDir = join(options.rootDir, `node-${id}`);
    await mkdir(dataDir, { recursive: true });
    const admin = options.admin === true ? `127.0.0.1:${port(3)}` : null;
    return new StressNode(id, `127.0.0.1:${port(0)}`, `127.0.0.1:${port(1)}`, `127.0.0.1:${port(2)}`, dataDir, join(options.rootDir, `node-${id}.log`), admin, joining);
  }

  /** Chooses the ports and directories (nothing is started). */
  static async create(options: ClusterOptions): Promise<Cluster> {
    const perNode = Cluster.portsPerNode(options);
    const ports = await pickFreePorts(options.nodes * perNode, options.random);
    const nodes: StressNode[] = [];
    for (let i = 0; i < options.nodes; i += 1) nodes.push(await Cluster.makeNode(options, i + 1, ports.slice(i * perNode, (i + 1) * perNode), false));
    return new Cluster(options, nodes);
  }

  /** A fresh node (new id, ports, directory) that will join the cluster; a member once added. Not started. */
  async addJoiningNode(): Promise<StressNode> {
    if (this.options.driver !== 'raft' || this.options.admin !== true) throw new Error('joining nodes need the raft driver with admin endpoints');
    const id = this.nextId;
    this.nextId += 1;
    // A killed node's ports are free but still its own: never hand them to the newcomer.
    const taken = new Set(this.everyNode.flatMap((n) => [n.raftEndpoint, n.serviceEndpoint, n.httpEndpoint, n.adminEndpoint ?? '']));
    let ports: number[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      ports = await pickFreePorts(Cluster.portsPerNode(this.options), this.options.random);
      if (ports.every((p) => !taken.has(`127.0.0.1:${p}`))) break;
    }
    if (ports.some((p) => taken.has(`127.0.0.1:${p}`))) throw new Error(`no free ports for node ${id} outside the other nodes' ports`);
    const node = await Cluster.makeNode(this.options, id, ports, true);
    this.nodes.push(node);
    return node;
  }

  /** Stops a removed member for good (SIGTERM, bounded; SIGCONT first if paused) and drops it from `nodes`. */
  async retire(node: StressNode): Promise<void> {
    node.retired = true;
    const index = this.nodes.indexOf(node);
    if (index >= 0) this.nodes.splice(index, 1);
    this.retiredNodes.push(node);
    const child = node.child;
    if (child === null) return;
    node.exitExpected = true;
    if (node.state === 'paused') child.kill('SIGCONT');
    child.kill('SIGTERM');
    try {
      await this.boundedExit(node, 'SIGTERM');
    } catch {
      child.kill('SIGKILL');
      await this.boundedExit(node, 'SIGKILL').catch(() => null);
    }
  }

  /** Every node ever started: members and retired ones. */
  get everyNode(): StressNode[] {
    return [...this.nodes, ...this.retiredNodes];
  }

  /** The directory holding every node's data and log. */
  get rootDir(): string {
    return this.options.rootDir;
  }

  /** The client endpoints of every node. */
  get serviceEndpoints(): string[] {
    return this.nodes.map((n) => n.serviceEndpoint);
  }

  /** Every pid any node ever had (the caller can check none is left). */
  get allPids(): number[] {
    return this.everyNode.flatMap((n) => n.pids);
  }

  /** Nodes down or paused: not part of a quorum right now. */
  get unavailableCount(): number {
    return this.nodes.filter((n) => n.state !== 'up').length;
  }

  private argsOf(node: StressNode): string[] {
    const common = ['--data-dir', node.dataDir, '--listen', node.serviceEndpoint, '--http-listen', node.httpEndpoint];
    if (this.options.driver === 'file') return ['serve', 'file', ...common];
    if (this.options.driver === 'etcd') {
      return ['serve', 'etcd', '--etcd-endpoints', this.options.etcdEndpoints ?? '', '--cluster', 'stress', '--listen', node.serviceEndpoint, '--http-listen', node.httpEndpoint, '--lease-ttl', '2s'];
    }
    const timing: string[] = [];
    if (this.options.electionTimeoutMs !== null) timing.push('--election-timeout', `${this.options.electionTimeoutMs}ms`);
    if (this.options.heartbeatIntervalMs !== null) timing.push('--heartbeat-interval', `${this.options.heartbeatIntervalMs}ms`);
    const membership: string[] = [];
    if (node.adminEndpoint !== null) membership.push('--admin-listen', node.adminEndpoint);
    if (node.joining) membership.push('--join', `${node.raftEndpoint}/${node.serviceEndpoint}`);
    return ['serve', this.options.driver, '--id', String(node.id), '--peers', this.bootstrapPeers, ...common, ...timing, ...membership];
  }

  private logOf(node: StressNode): WriteStream {
    let stream = this.logs.get(node);
    if (stream === undefined) {
      stream = createWriteStream(node.logPath, { flags: 'a' });
      stream.on('error', () => {});
      this.logs.set(node, stream);
    }
    return stream;
  }

  /** Starts `node` and resolves once it prints `serving on`; retries a start that lost its port. */
  async start(node: StressNode): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const error = await this.startOnce(node);
      if (error === null) return;
      if (error.reason !== 'port_in_use' || attempt >= NODE_START_ATTEMPTS_MAX) throw error;
      this.options.log(`node ${node.id}: port in use, retrying the start`);
      await sleepMs(500 * attempt);
    }
  }

  /** One start; null when serving, else why not (the child is gone by then). */
  private async startOnce(node: StressNode): Promise<NodeStartError | null> {
    if (node.child !== null) return new NodeStartError(node.id, 'exited', 'already running');
    if (node.retired) return new NodeStartError(node.id, 'exited', 'removed from the cluster (retired)');
    const log = this.logOf(node);
    node.starts += 1;
    log.write(`--- stress: start ${node.starts} of node ${node.id} at ${new Date().toISOString()}\n`);
    const logFd = openSync(node.logPath, 'a');
    let child: ChildProcess;
    try {
      // Its own process group: a Ctrl-C in the terminal reaches the harness only (which then
      // stops the nodes itself), not every node at once behind its back.
      child = spawn(process.execPath, [CLI_PATH, ...this.argsOf(node)], { stdio: ['ignore', 'pipe', logFd], cwd: REPO_ROOT, detached: true });
    } finally {
      closeSync(logFd);
    }
    node.child = child;
    node.state = 'starting';
    node.exitExpected = false;
    if (child.pid !== undefined) node.pids.push(child.pid);
    let head = '';
    let ready = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (!ready && head.length < READY_SCAN_BYTES_MAX) {
        head += chunk.toString('utf8');
        if (/^serving on \S+$/m.test(head)) ready = true;
      }
    });
    node.exited = new Promise<NodeExit>((resolve) => {
      child.once('error', () => {});
      child.once('close', (code, signal) => {
        const exit: NodeExit = { code, signal };
        if (node.child === child) {
          node.child = null;
          node.state = 'down';
        }
        log.write(`--- stress: node ${node.id} exited (code ${code}, signal ${signal})\n`);
        // An exit before `serving on` is a failed start, reported by start() instead.
        if (ready && !node.exitExpected && !this.stopping) this.options.onCrash(node, exit, readTail(node.logPath));
        resolve(exit);
      });
    });
    const exited = node.exited;
    const startedMs = performance.now();
    for (;;) {
      if (ready) {
        node.state = 'up';
        return null;
      }
      if (node.child !== child) {
        const exit = await exited;
        const tail = readTail(node.logPath).trim();
        return new NodeStartError(node.id, /EADDRINUSE/.test(tail) ? 'port_in_use' : 'exited', `exited before serving (code ${exit.code}, signal ${exit.signal}); its log ends with:\n${tail}`);
      }
      if (performance.now() - startedMs > NODE_READY_TIMEOUT_MS) {
        node.exitExpected = true;
        child.kill('SIGKILL');
        await exited;
        return new NodeStartError(node.id, 'timeout', `not serving within ${NODE_READY_TIMEOUT_MS} ms; its log ends with:\n${readTail(node.logPath).trim()}`);
      }
      await sleepMs(5);
    }
  }

  /** Starts every node at once; resolves when all print `serving on`. */
  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.start(n)));
  }

  /** kill -9 and wait for the exit. */
  async kill9(node: StressNode): Promise<void> {
    const child = node.child;
    if (child === null) return;
    node.exitExpected = true;
    child.kill('SIGKILL');
    await this.boundedExit(node, 'SIGKILL');
  }

  /** SIGSTOP: the process freezes (its sockets stay open, the kernel queues what peers send). */
  pause(node: StressNode): void {
    if (node.child === null || node.state !== 'up') return;
    node.child.kill('SIGSTOP');
    node.state = 'paused';
  }

  /** SIGCONT. */
  resume(node: StressNode): void {
    if (node.child === null || node.state !== 'paused') return;
    node.child.kill('SIGCONT');
    node.state = 'up';
  }

  private async boundedExit(node: StressNode, what: string): Promise<NodeExit | null> {
    const exited = node.exited;
    if (exited === null) return null;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), NODE_EXIT_TIMEOUT_MS);
    });
    const exit = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (exit === null) throw new Error(`node ${node.id} did not exit within ${NODE_EXIT_TIMEOUT_MS} ms of ${what}`);
    return exit;
  }

  /**
   * The node whose /readyz answers 200 (the serving leader), asking every running node; null
   * when none or several do within `timeoutMs` (an election, or a deposed leader not yet aware).
   */
  async findLeader(timeoutMs: number): Promise<StressNode | null> {
    const startedMs = performance.now();
    for (;;) {
      const candidates = this.nodes.filter((n) => n.state === 'up');
      const statuses = await Promise.all(candidates.map((n) => httpStatus(`http://${n.httpEndpoint}/readyz`, READYZ_TIMEOUT_MS)));
      const leaders = candidates.filter((_, i) => statuses[i] === 200 && candidates[i]?.state === 'up');
      if (leaders.length === 1) return leaders[0] ?? null;
      if (performance.now() - startedMs > timeoutMs) return null;
      await sleepMs(25);
    }
  }

  /** Stops every node with SIGTERM (SIGCONT first for a paused one); SIGKILL after the bound. Returns the nodes that did not exit 0. */
  async stopAll(): Promise<Array<{ readonly id: number; readonly exit: NodeExit | null }>> {
    this.stopping = true;
    const unclean: Array<{ id: number; exit: NodeExit | null }> = [];
    await Promise.all(
      this.everyNode.map(async (node) => {
        const child = node.child;
        if (child === null) return;
        node.exitExpected = true;
        if (node.state === 'paused') child.kill('SIGCONT');
        child.kill('SIGTERM');
        let exit: NodeExit | null = null;
        try {
          exit = await this.boundedExit(node, 'SIGTERM');
        } catch {
          child.kill('SIGKILL');
          await this.boundedExit(node, 'SIGKILL').catch(() => null);
        }
        if (exit === null || exit.code !== 0) unclean.push({ id: node.id, exit });
      }),
    );
    await this.closeLogs();
    return unclean;
  }

  /** Last resort (process 'exit', fatal errors): SIGKILL every child still alive, synchronously. */
  killAllSync(): void {
    this.stopping = true;
    for (const node of this.everyNode) {
      const child = node.child;
      if (child === null) continue;
      node.exitExpected = true;
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Waits (bounded) for every child to be reaped after killAllSync(). */
  async reapAll(): Promise<void> {
    await Promise.all(this.everyNode.map((n) => (n.child === null ? Promise.resolve(null) : this.boundedExit(n, 'SIGKILL').catch(() => null))));
    await this.closeLogs();
  }

  private async closeLogs(): Promise<void> {
    const streams = [...this.logs.values()];
    this.logs.clear();
    await Promise.all(streams.map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
  }
}
