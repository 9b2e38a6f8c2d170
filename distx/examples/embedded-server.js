// Example: host a tsoracle server inside your own Node process, in a few lines.
//
//   npm run build && node dist/examples/embedded-server.js [dataDir] [listen]
//
// It starts the server on a data directory (the file driver: fsync-durable, single node), asks
// it for a timestamp and a sequence block through the client library, prints them, and serves
// until SIGINT or SIGTERM, then closes gracefully: requests in flight finish, connections close,
// the data directory's LOCK is released. In your own project, import from 'tsoracle' instead of
// '../runners/index.js'.
import { pathToFileURL } from 'node:url';
import { createClient, startServer } from '../runners/index.js';
/** Starts the server and a client connected to it. */
export async function startEmbedded(dataDir, listen = '127.0.0.1:50551', httpListen = null) {
    const server = await startServer({ dataDir, listen, httpListen });
    const { host, port } = server.address;
    const client = createClient({ endpoints: [`${host}:${port}`] });
    return {
        server,
        client,
        close: async () => {
            await client.close();
            await server.close();
        },
    };
}
async function main(argv) {
    const oracle = await startEmbedded(argv[0] ?? './tsoracle-data', argv[1] ?? '127.0.0.1:50551');
    let closing = false;
    const shutdown = (signal) => {
        closing = true;
        console.log(`${signal}: closing`);
        oracle.close().then(() => process.exit(0), (e) => {
            console.error(e);
            process.exit(1);
        });
    };
    // Handlers first: a signal that arrives at any point from here on closes gracefully.
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    const { host, port } = oracle.server.address;
    console.log(`serving on ${host}:${port}`);
    try {
        console.log(`timestamp ${await oracle.client.getTs()}`);
        const block = await oracle.client.getSeq('orders', 10);
        console.log(`orders block [${block.start}, ${block.start + BigInt(block.count)})`);
    }
    catch (e) {
        // Closing rejects the calls still waiting (CLIENT_CLOSED); anything else is a real failure.
        if (!closing)
            throw e;
    }
}
// Run only when executed directly, not when imported (the test imports startEmbedded).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
    await main(process.argv.slice(2));
}
//# sourceMappingURL=embedded-server.js.map