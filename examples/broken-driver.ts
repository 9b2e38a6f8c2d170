// A deliberately broken consensus driver: what the conformance suite (`tsoracle/testing`) and the
// swarm (`tsoracle sim swarm --driver examples/broken-driver`) exist to catch. Do not copy it.
//
// The contract it breaks (drivers/driver.ts): "advanceSeq is a durable, exactly-once fetch-add
// per (clientId, requestId): applying the same request again returns the same block". This
// driver wraps the file driver and files every repeat of a request under a fresh client id, so
// a retry (a reply lost to a reset connection, a client that timed out and asked again) spends a
// second block: the caller may be handed values another request also got, and the values of the
// first block are granted to nobody it knows of. Everything else passes through.
//
// The suite reports the clause `seq-exactly-once`; the swarm reports `seq_request_two_blocks`
// on seeds whose network resets connections after delivering a request.
import { FileDriver, type ConsensusDriver, type LeaderState } from '../runners/index.js';
import type { SeqAdvanceRequest } from '../core/ledger.js';
import { defineSimDriver, type SimDriverContext } from '../sim/index.js';

/** The top bits of a u64 client id: where the n-th repeat of a request is filed. */
const REPEAT_SHIFT = 56n;

export class ForgetfulSeqDriver implements ConsensusDriver {
  /** How many times each (clientId, requestId) was applied by this incarnation. */
  private readonly applied = new Map<string, number>();

  constructor(private readonly inner: ConsensusDriver) {}

  subscribeLeadership(listener: (state: LeaderState) => void): () => void {
    return this.inner.subscribeLeadership(listener);
  }
  loadHighWater(): ReturnType<ConsensusDriver['loadHighWater']> {
    return this.inner.loadHighWater();
  }
  persistHighWater(atLeastMs: number, epoch: bigint): ReturnType<ConsensusDriver['persistHighWater']> {
    return this.inner.persistHighWater(atLeastMs, epoch);
  }
  advanceSeq(request: SeqAdvanceRequest, epoch: bigint): ReturnType<ConsensusDriver['advanceSeq']> {
    const id = `${request.clientId}/${request.requestId}`;
    const repeats = this.applied.get(id) ?? 0;
    this.applied.set(id, repeats + 1);
    // The bug: a repeat is filed as another client's request, so the ledger applies it afresh.
    const clientId = repeats === 0 ? request.clientId : request.clientId ^ (BigInt(((repeats - 1) % 255) + 1) << REPEAT_SHIFT);
    return this.inner.advanceSeq({ ...request, clientId }, epoch);
  }
  loadSeq(key: string): ReturnType<ConsensusDriver['loadSeq']> {
    return this.inner.loadSeq(key);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export default defineSimDriver({
  name: 'broken-forgetful-seq',
  nodeCounts: [1],
  createDriver: async (context: SimDriverContext) => new ForgetfulSeqDriver(await FileDriver.open(context.disk, context.dataDir)),
});
