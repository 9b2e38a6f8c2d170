// Example: an embedded server with a consensus driver you construct yourself.
//
//   npm run build && node dist/examples/custom-driver.js [dataDir] [listen]
//
// `startServer({ driver })` takes any ConsensusDriver (drivers/driver.ts). Here it is the file
// driver opened explicitly (so its options are yours: a cap on sequence keys), wrapped in a small
// decorator that counts durable writes: the shape to follow for a driver of your own. The
// server closes the driver on close(). In your own project, import from 'tsoracle'.
import { pathToFileURL } from 'node:url';
import { FileDriver, NodeDisk, startServer } from '../runners/index.js';
/** Passes every call to `inner` and counts the durable writes it was asked for. */
export class CountingDriver {
    inner;
    highWaterPersists = 0;
    seqAdvances = 0;
    constructor(inner) {
        this.inner = inner;
    }
    subscribeLeadership(listener) {
        return this.inner.subscribeLeadership(listener);
    }
    loadHighWater() {
        return this.inner.loadHighWater();
    }
    persistHighWater(atLeastMs, epoch) {
        this.highWaterPersists += 1;
        return this.inner.persistHighWater(atLeastMs, epoch);
    }
    advanceSeq(request, epoch) {
        this.seqAdvances += 1;
        return this.inner.advanceSeq(request, epoch);
    }
    loadSeq(key) {
        return this.inner.loadSeq(key);
    }
    close() {
        return this.inner.close();
    }
}
/** Opens the file driver on `dataDir` (at most `seqKeyCap` sequence keys) and serves it. */
export async function startWithCustomDriver(dataDir, listen, seqKeyCap = 1_000) {
    const driver = new CountingDriver(await FileDriver.open(new NodeDisk(), dataDir, { seqKeyCap }));
    // From here the server owns the driver: it closes it on close(), and if it fails to start.
    const server = await startServer({ driver, listen, httpListen: null });
    return { server, driver };
}
async function main(argv) {
    const { server, driver } = await startWithCustomDriver(argv[0] ?? './tsoracle-data', argv[1] ?? '127.0.0.1:50551');
    const close = () => {
        console.log(`closing after ${driver.highWaterPersists} high-water persists and ${driver.seqAdvances} sequence advances`);
        server.close().then(() => process.exit(0), () => process.exit(1));
    };
    // Handlers first, then the line supervisors wait for: a signal sent on seeing it is handled.
    process.once('SIGINT', close);
    process.once('SIGTERM', close);
    console.log(`serving on ${server.address.host}:${server.address.port}`);
}
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
    await main(process.argv.slice(2));
}
//# sourceMappingURL=custom-driver.js.map