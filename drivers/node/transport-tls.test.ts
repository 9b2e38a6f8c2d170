// TLS in the Node transport, with certificates made at test time by openssl: the Transport
// conformance suite over mTLS and, for a TLS peer, over a listener that sniffs TLS from
// plaintext (`allowPlaintext`, the peers' --allow-insecure-peer), so drivers and servers see the same
// behaviour with and without TLS; a plaintext peer, a peer without a certificate, and a peer from
// another CA are refused by a TLS-only listener; a client trusting another CA cannot connect;
// a plaintext peer is served by a sniffing listener; reloadTls serves the new certificate on the same port, keeps open connections, and refuses
// material that does not load. Skipped, saying so, without openssl.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { record, transportConformance, type RecordedConnection } from '../conformance/transport.js';
import type { Connection, Listener } from '../ports.js';
import { waitUntil } from './test-support.js';
import { makeTestPki, OPENSSL_AVAILABLE, type TestPki } from './tls-test-pki.js';
import { NodeTransport, type TlsClientOptions, type TlsServerOptions } from './transport.js';

const pkiDir = OPENSSL_AVAILABLE ? mkdtempSync(join(tmpdir(), 'tsoracle-transport-pki-')) : null;
const pki: TestPki | null = pkiDir === null ? null : makeTestPki(pkiDir);
afterAll(() => {
  if (pkiDir !== null) rmSync(pkiDir, { recursive: true, force: true });
});

async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

const mtlsServer = (p: TestPki, extra: Partial<TlsServerOptions> = {}): TlsServerOptions => ({ cert: p.node.cert, key: p.node.key, ca: p.ca, ...extra });
const mtlsClient = (p: TestPki): TlsClientOptions => ({ ca: p.ca, cert: p.node.cert, key: p.node.key });

if (pki !== null) {
  transportConformance('NodeTransport over mTLS', async () => ({
    server: new NodeTransport({ tlsServer: mtlsServer(pki) }),
    client: new NodeTransport({ tlsClient: mtlsClient(pki) }),
    listenAddress: { host: '127.0.0.1', port: 0 },
    closedAddress: async () => ({ host: '127.0.0.1', port: await closedLoopbackPort() }),
    until: (done, what) => waitUntil(done, what),
  }));
  transportConformance('NodeTransport sniffing: a TLS peer on a listener that also takes plaintext', async () => ({
    server: new NodeTransport({ tlsServer: mtlsServer(pki, { allowPlaintext: true }) }),
    client: new NodeTransport({ tlsClient: mtlsClient(pki) }),
    listenAddress: { host: '127.0.0.1', port: 0 },
    closedAddress: async () => ({ host: '127.0.0.1', port: await closedLoopbackPort() }),
    until: (done, what) => waitUntil(done, what),
  }));
}

describe.skipIf(pki === null)(pki === null ? 'NodeTransport TLS refusals (SKIPPED: openssl is not on the PATH)' : 'NodeTransport TLS refusals and reload', () => {
  const p = pki as TestPki;
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function listen(transport: NodeTransport): Promise<{ listener: Listener; accepted: RecordedConnection[] }> {
    const accepted: RecordedConnection[] = [];
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (c) => {
      accepted.push(record(c));
    });
    cleanups.push(() => listener.close());
    return { listener, accepted };
  }

  /** Connects and sends one frame; 'delivered' when the listener accepted the connection, else 'refused'. */
  async function attempt(client: NodeTransport, target: { listener: Listener; accepted: RecordedConnection[] }): Promise<'delivered' | 'refused'> {
    const before = target.accepted.length;
    let connection: Connection;
    try {
      connection = await client.connect(target.listener.address);
    } catch {
      return 'refused';
    }
    const recorded = record(connection);
    cleanups.push(() => connection.close());
    connection.send(new Uint8Array([1, 2, 3]));
    await waitUntil(() => target.accepted.length > before || recorded.closes.length > 0, 'accepted or closed', 5_000);
    return target.accepted.length > before ? 'delivered' : 'refused';
  }

  it('a TLS-only mTLS listener refuses a plaintext peer, a peer without a certificate and a peer from another CA', async () => {
    const target = await listen(new NodeTransport({ tlsServer: mtlsServer(p) }));
    expect(await attempt(new NodeTransport({ tlsClient: mtlsClient(p) }), target)).toBe('delivered');
    expect(await attempt(new NodeTransport(), target)).toBe('refused');
    expect(await attempt(new NodeTransport({ tlsClient: { ca: p.ca } }), target)).toBe('refused');
    expect(await attempt(new NodeTransport({ tlsClient: { ca: p.ca, cert: p.otherNode.cert, key: p.otherNode.key } }), target)).toBe('refused');
  });

  it('with allowPlaintext (--allow-insecure-peer) a plaintext peer is served beside TLS ones, and a TLS peer is still verified', async () => {
    // Not under the conformance suite: a sniffing listener hands a plaintext connection over only
    // once its first byte arrived (peers speak first), not at accept.
    const target = await listen(new NodeTransport({ tlsServer: mtlsServer(p, { allowPlaintext: true }) }));
    expect(await attempt(new NodeTransport(), target)).toBe('delivered');
    expect(await attempt(new NodeTransport({ tlsClient: mtlsClient(p) }), target)).toBe('delivered');
    expect(await attempt(new NodeTransport({ tlsClient: { ca: p.ca } }), target)).toBe('refused');
    const plain = target.accepted[0];
    await waitUntil(() => (plain?.frames.length ?? 0) > 0, 'the plaintext frame', 5_000);
    expect([...(plain?.frames[0] ?? [])]).toEqual([1, 2, 3]);
  });

  it('a client that trusts another CA does not connect', async () => {
    const target = await listen(new NodeTransport({ tlsServer: { cert: p.node.cert, key: p.node.key } }));
    await expect(new NodeTransport({ tlsClient: { ca: p.otherCa } }).connect(target.listener.address)).rejects.toThrow(/cannot connect/);
    expect(await attempt(new NodeTransport({ tlsClient: { ca: p.ca } }), target)).toBe('delivered');
  });

  it('a plaintext peer is served by a sniffing listener; reloadTls serves the new certificate on the same port, keeps open connections, and refuses bad material', async () => {
    const server = new NodeTransport({ tlsServer: { cert: p.node.cert, key: p.node.key } });
    const target = await listen(server);
    const open = await new NodeTransport({ tlsClient: { ca: p.ca } }).connect(target.listener.address);
    const openRecorded = record(open);
    cleanups.push(() => open.close());
    expect(await attempt(new NodeTransport({ tlsClient: { ca: p.otherCa } }), target)).toBe('refused');
    server.reloadTls({ cert: p.otherNode.cert, key: p.otherNode.key });
    expect(await attempt(new NodeTransport({ tlsClient: { ca: p.otherCa } }), target)).toBe('delivered');
    expect(await attempt(new NodeTransport({ tlsClient: { ca: p.ca } }), target)).toBe('refused');
    open.send(new Uint8Array([9]));
    await waitUntil(() => (target.accepted[0]?.frames.length ?? 0) > 0, 'a frame on the connection opened before the reload', 5_000);
    expect(openRecorded.closes).toEqual([]);
    expect(() => server.reloadTls({ cert: Buffer.from('junk'), key: p.node.key })).toThrow(/does not load/);
    expect(() => new NodeTransport().reloadTls({ cert: p.node.cert, key: p.node.key })).toThrow(/on or off/);
  });
});
