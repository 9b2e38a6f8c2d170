import { type ClientCoreOptions, type TsoClient } from '../client/index.js';
import { ServingNode } from '../server/serving-node.js';
import { World, type WorldOptions } from '../../sim/world.js';
import { RaftDriver, type RaftDriverEvent, type RaftPeer, type RaftTuning } from './raft-driver.js';
export declare const RAFT_PORT = 50552;
export declare const SERVICE_PORT = 50551;
export declare const DATA_DIR = "/data";
/** How long the simulated supervisor waits before restarting a node that stopped on a fatal error. */
export declare const SUPERVISOR_RESTART_MS = 100;
export interface SimClusterOptions {
    readonly seed: number;
    readonly nodes: number;
    readonly config?: RaftTuning;
    readonly snapshotEntries?: number;
    readonly world?: Omit<WorldOptions, 'seed'>;
}
export interface NodeEventRecord {
    readonly t: number;
    readonly node: string;
    readonly event: RaftDriverEvent;
}
export declare class SimCluster {
    readonly options: SimClusterOptions;
    readonly world: World;
    readonly names: string[];
    readonly peers: ReadonlyMap<number, RaftPeer>;
    /** The driver of each node's running incarnation (absent while down). */
    readonly drivers: Map<string, RaftDriver>;
    readonly servingNodes: Map<string, ServingNode>;
    readonly events: NodeEventRecord[];
    constructor(options: SimClusterOptions);
    get endpoints(): string[];
    private program;
    /** Adds a client node and hands its client to `run` (which loops as long as it likes). */
    addClient(name: string, run: (client: TsoClient) => void, options?: Partial<Omit<ClientCoreOptions, 'transport' | 'clock' | 'random'>>): void;
    /** Kills a node whose driver stopped on a fatal error and starts it again after a moment. */
    private superviseRestart;
    crash(name: string): void;
    start(name: string): void;
    /** The node whose serving node serves timestamps now, if exactly one does. */
    servingLeader(): string | null;
    /** Runs until `done()` holds; throws with `what` when virtual `budgetMs` pass first. */
    runUntil(done: () => boolean, what: string, budgetMs: number): Promise<void>;
}
