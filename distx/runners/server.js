// The embeddable server: hosts a serving node, the client protocol on TCP and the HTTP endpoints
// (/metrics, /healthz, /readyz) in the caller's process, with the consensus driver of the
// caller's choice (the file driver on a data directory by default). `tsoracle serve file` is a
// thin wrapper around it. `close()` is graceful and bounded: it stops accepting, lets requests
// in flight finish for a grace period, then closes connections, the driver and the HTTP port.
import { createServer as createHttpServer } from 'node:http';
import { TsoError } from '../core/errors.js';
import { DATA_DIR_DEFAULT, HTTP_LISTEN_ADDRESS_DEFAULT, LISTEN_ADDRESS_DEFAULT } from '../core/limits.js';
import { FileDriver } from '../drivers/file/file-driver.js';
import { NodeClock } from '../drivers/node/clock.js';
import { NodeDisk } from '../drivers/node/disk.js';
import { NodeTransport } from '../drivers/node/transport.js';
import { parseHostPort } from '../drivers/ports.js';
import { ProtocolServer } from '../drivers/server/protocol-server.js';
import { ServingNode } from '../drivers/server/serving-node.js';
import { PrometheusMetrics } from './metrics.js';
function parseAddress(text, what) {
    const parsed = parseHostPort(text);
    if (parsed === null)
        throw new TsoError('INVALID_CONFIG', `${what} must be host:port, got ${JSON.stringify(text)}`);
    return parsed;
}
function listenHttp(server, address) {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, address.host, () => {
            server.off('error', reject);
            const bound = server.address();
            resolve({ host: address.host, port: bound.port });
        });
    });
}
/** Starts a server; resolves once it accepts requests on both ports and (by default) serves timestamps. */
export async function startServer(options = {}) {
    const log = options.log ?? (() => { });
    const listen = parseAddress(options.listen ?? LISTEN_ADDRESS_DEFAULT, 'listen');
    const httpListen = options.httpListen === null ? null : parseAddress(options.httpListen ?? HTTP_LISTEN_ADDRESS_DEFAULT, 'http-listen');
    const clock = options.clock ?? new NodeClock();
    const transport = options.transport ?? new NodeTransport();
    const driver = options.driver ?? (await FileDriver.open(new NodeDisk(), options.dataDir ?? DATA_DIR_DEFAULT, options.fileDriver ?? {}));
    const metrics = new PrometheusMetrics({ collectDefaults: true });
    const node = new ServingNode({
        driver,
        clock,
        metrics,
        ...(options.windowAheadMs !== undefined ? { windowAheadMs: options.windowAheadMs } : {}),
        ...(options.failoverAdvanceMs !== undefined ? { failoverAdvanceMs: options.failoverAdvanceMs } : {}),
        onEvent: (e) => {
            if (e.kind === 'serving')
                log(`serving epoch ${e.epoch} from ${e.floorMs} ms, high-water ${e.highWaterMs} ms`);
            else if (e.kind === 'poisoned')
                log(`stopped serving: ${e.reason}`);
            else if (e.kind === 'fence-retry')
                log(`fence retry (${e.code})`);
        },
    });
    let protocol = null;
    let http = null;
    try {
        node.start();
        protocol = await ProtocolServer.start({ node, transport, clock, listen, metrics });
        let httpAddress = null;
        if (httpListen !== null) {
            http = createHttpServer((req, res) => {
                const url = req.url ?? '/';
                if (req.method !== 'GET') {
                    res.writeHead(405).end();
                }
                else if (url === '/metrics') {
                    metrics.text().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text), (e) => res.writeHead(500).end(String(e)));
                }
                else if (url === '/healthz') {
                    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
                }
                else if (url === '/readyz') {
                    const ready = node.isServing;
                    res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'serving\n' : 'not serving\n');
                }
                else {
                    res.writeHead(404).end();
                }
            });
            httpAddress = await listenHttp(http, httpListen);
        }
        if (options.waitUntilServing !== false)
            await node.waitUntilServing(30_000);
        const bound = protocol.address;
        let closing = null;
        const server = {
            address: bound,
            httpAddress,
            node,
            metrics,
            close: () => {
                closing ??= (async () => {
                    await protocol?.close(options.shutdownGraceMs ?? 2_000);
                    await node.close();
                    await driver.close();
                    if (http !== null) {
                        http.closeAllConnections();
                        await new Promise((resolve) => http?.close(() => resolve()));
                    }
                })();
                return closing;
            },
        };
        return server;
    }
    catch (e) {
        await protocol?.close(0).catch(() => { });
        await node.close().catch(() => { });
        await driver.close().catch(() => { });
        http?.close();
        throw e;
    }
}
//# sourceMappingURL=server.js.map