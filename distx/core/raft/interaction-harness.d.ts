import type { Entry, HardState, Message, PersistedRaftState, Ready, Snapshot } from './types.js';
/** A small seeded PRNG (mulberry32): deterministic election timeouts. */
export declare function seededRandom(seed: number): () => number;
/** What survives a crash: the durable state the node's Readies asked for. */
export declare class MemoryStorage {
    hardState: HardState;
    snapshot: Snapshot | undefined;
    entries: Entry[];
    /** Step 1 of the Ready ordering rule. */
    persist(ready: Ready): void;
    /** The application took a snapshot at `index` (its own file); the log prefix may go. */
    compact(snapshot: Snapshot): void;
    persisted(): PersistedRaftState;
}
export declare function describeEntry(e: Entry): string;
export declare function describeMessage(m: Message): string;
export declare class InteractionHarness {
    private readonly nodes;
    private queue;
    private partitionGroups;
    private out;
    /** Runs one command line; returns its trace (never empty: "ok" when nothing happened). */
    /** Each node's toy state: the commands it applied, in order (state-machine safety checks). */
    appliedStates(): ReadonlyMap<number, readonly string[]>;
    run(line: string): string;
    private addNodes;
    private get;
    private live;
    private select;
    private tick;
    private reachable;
    private matches;
    /** Delivers the messages queued now (not the answers they cause) that match `filter`. */
    private deliverOnce;
    private drop;
    private stabilize;
    /** What a host does with a Ready, in the ordering rule's order. */
    private processReady;
    private compact;
    private toyStateAt;
    private restart;
    private describeStatus;
    private describeLog;
}
/** Parses a script into blocks (leading comments, command, expected output). */
export interface ScriptBlock {
    readonly comments: string[];
    readonly command: string;
    readonly expected: string;
}
export declare function parseScript(text: string): {
    blocks: ScriptBlock[];
    trailing: string[];
};
/** Runs a script; returns the script text with every expected block replaced by the actual trace. */
export declare function runScript(text: string): string;
