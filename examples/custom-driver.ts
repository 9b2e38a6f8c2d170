// Example: an embedded server with a consensus driver you construct yourself.
//
//   npm run build && node dist/examples/custom-driver.js [dataDir] [listen]
//
// `startServer({ driver })` takes any ConsensusDriver (drivers/driver.ts). Here it is the file
// driver opened explicitly (so its options are yours: a cap on sequence keys), wrapped in a small
// decorator that counts durable writes: the shape to follow for a driver of your own. The
// server closes the driver on close(). In your own project, import from 'tsoracle'.
//
// The same driver under the simulator: `simDriver` below builds it on the simulated ports, so
//   tsoracle sim swarm --seeds 1..100 --driver examples/custom-driver
// runs the whole oracle swarm on it, and `checkDriverConformance(simDriver)` from
// 'tsoracle/testing' checks it clause by clause (runners/examples.test.ts does both).
import { pathToFileURL } from 'node:url';
import { FileDriver, NodeDisk, startServer, type ConsensusDriver, type LeaderState, type TsoServer } from '../runners/index.js';
import { defineSimDriver, type SimDriverContext } from '../sim/index.js';

/** Passes every call to `inner` and counts the durable writes it was asked for. */
export class CountingDriver implements ConsensusDriver {
  highWaterPersists = 0;
  seqAdvances = 0;

  constructor(private readonly inner: ConsensusDriver) {}

  subscribeLeadership(listener: (state: LeaderState) => void): () => void {
    return this.inner.subscribeLeadership(listener);
  }
  loadHighWater(): ReturnType<ConsensusDriver['loadHighWater']> {
    return this.inner.loadHighWater();
  }
  persistHighWater(atLeastMs: number, epoch: bigint): ReturnType<ConsensusDriver['persistHighWater']> {
    this.highWaterPersists += 1;
    return this.inner.persistHighWater(atLeastMs, epoch);
  }
  advanceSeq(request: Parameters<ConsensusDriver['advanceSeq']>[0], epoch: bigint): ReturnType<ConsensusDriver['advanceSeq']> {
    this.seqAdvances += 1;
    return this.inner.advanceSeq(request, epoch);
  }
  loadSeq(key: string): ReturnType<ConsensusDriver['loadSeq']> {
    return this.inner.loadSeq(key);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The counting driver on the simulator's ports: one node, the file driver in the node's data directory. */
export const simDriver = defineSimDriver({
  name: 'counting-file',
  nodeCounts: [1],
  createDriver: async (context: SimDriverContext) => new CountingDriver(await FileDriver.open(context.disk, context.dataDir, { seqKeyCap: 1_000 })),
});

/** Opens the file driver on `dataDir` (at most `seqKeyCap` sequence keys) and serves it. */
export async function startWithCustomDriver(dataDir: string, listen: string, seqKeyCap = 1_000): Promise<{ server: TsoServer; driver: CountingDriver }> {
  const driver = new CountingDriver(await FileDriver.open(new NodeDisk(), dataDir, { seqKeyCap }));
  // From here the server owns the driver: it closes it on close(), and if it fails to start.
  const server = await startServer({ driver, listen, httpListen: null });
  return { server, driver };
}

async function main(argv: readonly string[]): Promise<void> {
  const { server, driver } = await startWithCustomDriver(argv[0] ?? './tsoracle-data', argv[1] ?? '127.0.0.1:50551');
  const close = (): void => {
    console.log(`closing after ${driver.highWaterPersists} high-water persists and ${driver.seqAdvances} sequence advances`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Handlers first, then the line supervisors wait for: a signal sent on seeing it is handled.
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  console.log(`serving on ${server.address.host}:${server.address.port}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
