import { type ConsensusDriver, type LeaderState, type TsoServer } from '../runners/index.js';
/** Passes every call to `inner` and counts the durable writes it was asked for. */
export declare class CountingDriver implements ConsensusDriver {
    private readonly inner;
    highWaterPersists: number;
    seqAdvances: number;
    constructor(inner: ConsensusDriver);
    subscribeLeadership(listener: (state: LeaderState) => void): () => void;
    loadHighWater(): ReturnType<ConsensusDriver['loadHighWater']>;
    persistHighWater(atLeastMs: number, epoch: bigint): ReturnType<ConsensusDriver['persistHighWater']>;
    advanceSeq(request: Parameters<ConsensusDriver['advanceSeq']>[0], epoch: bigint): ReturnType<ConsensusDriver['advanceSeq']>;
    loadSeq(key: string): ReturnType<ConsensusDriver['loadSeq']>;
    close(): Promise<void>;
}
/** Opens the file driver on `dataDir` (at most `seqKeyCap` sequence keys) and serves it. */
export declare function startWithCustomDriver(dataDir: string, listen: string, seqKeyCap?: number): Promise<{
    server: TsoServer;
    driver: CountingDriver;
}>;
