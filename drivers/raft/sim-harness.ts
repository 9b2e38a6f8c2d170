// Test support: a Raft cluster of the product's real code in the simulated world. Each node runs
// the raft driver, the serving node and the protocol server on the world's ports (the same lines
// `tsoracle serve raft` runs on the Node ports); a client node runs the real client library with
// every service endpoint. Not part of the public surface; tests and simulator scenarios use it.
//
// Node `n<i>` has host `n<i>`, Raft port RAFT_PORT and service port SERVICE_PORT, data in /data.
import { createClientCore, type ClientCoreOptions, type TsoClient } from '../client/index.js';
import { DiskError } from '../ports.js';
import { ProtocolServer } from '../server/protocol-server.js';
import { ServingNode } from '../server/serving-node.js';
import type { Program } from '../../sim/process.js';
import { World, type WorldOptions } from '../../sim/world.js';
import { RaftDriver, type RaftDriverEvent, type RaftPeer, type RaftTuning } from './raft-driver.js';

export const RAFT_PORT = 50552;
export const SERVICE_PORT = 50551;
export const DATA_DIR = '/data';
/** How long the simulated supervisor waits before restarting a node that stopped on a fatal error. */
export const SUPERVISOR_RESTART_MS = 100;

export interface SimClusterOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly config?: RaftTuning;
  readonly snapshotEntries?: number;
  readonly world?: Omit<WorldOptions, 'seed'>;
  /** Nodes beyond `nodes` that start as `--join` nodes do: outside the group, waiting to be added. */
  readonly joiners?: number;
}

export interface NodeEventRecord {
  readonly t: number;
  readonly node: string;
  readonly event: RaftDriverEvent;
}

export class SimCluster {
  readonly world: World;
  readonly names: string[];
  readonly peers: ReadonlyMap<number, RaftPeer>;
  /** The driver of each node's running incarnation (absent while down). */
  readonly drivers = new Map<string, RaftDriver>();
  readonly servingNodes = new Map<string, ServingNode>();
  readonly events: NodeEventRecord[] = [];

  constructor(readonly options: SimClusterOptions) {
    this.world = new World({ trace: { keep: false }, ...(options.world ?? {}), seed: options.seed });
    this.names = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
    this.peers = new Map(this.names.map((name, i) => [i + 1, { raftAddress: { host: name, port: RAFT_PORT }, serviceEndpoint: `${name}:${SERVICE_PORT}` }]));
    this.names.forEach((name, i) => this.world.addNode({ name, program: this.program(i + 1, name) }));
    for (let j = 1; j <= (options.joiners ?? 0); j += 1) {
      const id = options.nodes + j;
      const name = `n${id}`;
      this.names.push(name);
      this.world.addNode({ name, program: this.program(id, name) });
    }
  }

  get endpoints(): string[] {
    return this.names.map((name) => `${name}:${SERVICE_PORT}`);
  }

  /** The addresses node `n<id>` is reached at, as a membership change carries them. */
  addressesOf(id: number): { raft: string; service: string; admin: string } {
    return { raft: `n${id}:${RAFT_PORT}`, service: `n${id}:${SERVICE_PORT}`, admin: '' };
  }

  private program(id: number, name: string): Program {
    return async ({ disk, transport, clock, random, host }) => {
      const opening = RaftDriver.open({
        disk,
        transport,
        clock,
        random,
        dataDir: DATA_DIR,
        id,
        peers: this.peers,
        ...(this.peers.has(id) ? {} : { join: { self: { raftAddress: { host: name, port: RAFT_PORT }, serviceEndpoint: `${name}:${SERVICE_PORT}` } } }),
        ...(this.options.config !== undefined ? { config: this.options.config } : {}),
        ...(this.options.snapshotEntries !== undefined ? { snapshotEntries: this.options.snapshotEntries } : {}),
        onEvent: (event) => {
          this.events.push({ t: this.world.nowMs, node: name, event });
          // As `tsoracle serve raft` exits on a fatal storage error and its supervisor restarts it.
          if (event.kind === 'fatal') this.world.after(0, () => this.superviseRestart(name), 'raft.fatal-restart');
        },
      });
      let driver: RaftDriver;
      try {
        driver = await opening;
      } catch (error) {
        // An I/O error while opening exits the process; the supervisor starts it again. Anything
        // else (a refusal to start) fails the run.
        if (!(error instanceof DiskError)) throw error;
        this.events.push({ t: this.world.nowMs, node: name, event: { kind: 'fatal', error } });
        this.world.after(0, () => this.superviseRestart(name), 'raft.fatal-restart');
        return {};
      }
      const node = new ServingNode({ driver, clock });
      node.start();
      const protocol = await ProtocolServer.start({ node, transport, clock, listen: { host, port: SERVICE_PORT } });
      this.drivers.set(name, driver);
      this.servingNodes.set(name, node);
      return {
        stop: async () => {
          await protocol.close(100);
          await node.close();
          await driver.close();
        },
      };
    };
  }

  /** Adds a client node and hands its client to `run` (which loops as long as it likes). */
  addClient(name: string, run: (client: TsoClient) => void, options: Partial<Omit<ClientCoreOptions, 'transport' | 'clock' | 'random'>> = {}): void {
    this.world.addNode({
      name,
      program: async ({ transport, clock, random }) => {
        run(createClientCore({ endpoints: this.endpoints, ...options, transport, clock, random }));
        return {};
      },
    });
  }

  /** Kills a node whose driver stopped on a fatal error and starts it again after a moment. */
  private superviseRestart(name: string): void {
    if (this.world.node(name).status === 'down') return;
    this.crash(name);
    this.world.after(SUPERVISOR_RESTART_MS, () => {
      if (this.world.node(name).status === 'down') this.start(name);
    }, 'raft.supervisor-start');
  }

  crash(name: string): void {
    this.drivers.delete(name);
    this.servingNodes.delete(name);
    this.world.crash(name);
  }

  start(name: string): void {
    this.world.start(name);
  }

  /** The node whose serving node serves timestamps now, if exactly one does. */
  servingLeader(): string | null {
    const serving = [...this.servingNodes].filter(([, node]) => node.isServing).map(([name]) => name);
    return serving.length === 1 ? (serving[0] as string) : null;
  }

  /** Runs until `done()` holds; throws with `what` when virtual `budgetMs` pass first. */
  async runUntil(done: () => boolean, what: string, budgetMs: number): Promise<void> {
    const ok = await this.world.runUntil(done, { untilMs: this.world.nowMs + budgetMs });
    if (!ok) throw new Error(`not ${what} by t=${this.world.nowMs} ms`);
  }
}
