import type { ProfileName } from './options.js';
export interface OracleBench {
    readonly profile: ProfileName;
    /** Server nodes: 1 (the file driver) or a Raft cluster. */
    readonly nodes: number;
    readonly seeds: number;
    readonly events: number;
    readonly calls: number;
    readonly simMs: number;
    readonly wallMs: number;
    /** CPU time of this process (user + system): on a shared machine, wall time includes waiting. */
    readonly cpuMs: number;
    readonly eventsPerSecond: number;
    /** Events per second of CPU time. */
    readonly eventsPerCpuSecond: number;
    /** Virtual time per wall time. */
    readonly compression: number;
    /** Virtual time per CPU time. */
    readonly compressionCpu: number;
    /** Client calls per virtual second (the workload's density). */
    readonly callsPerVirtualSecond: number;
}
export declare function benchOracle(options: {
    readonly seeds: number;
    readonly profile?: ProfileName;
    readonly firstSeed?: number;
    readonly nodes?: number;
}): Promise<OracleBench>;
