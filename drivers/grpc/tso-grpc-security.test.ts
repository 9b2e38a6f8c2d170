// TLS, mTLS, certificate reload and token authentication on the tsoracle.v1 gRPC listener, in
// process over loopback with grpc-js as the client and certificates made at test time by openssl:
// a client trusting the CA is served; a plaintext client, a client trusting another CA, and under
// mTLS a client without a certificate or with one from another CA are refused; reloadTls swaps the
// certificate for new handshakes on the same port; a missing or wrong token is UNAUTHENTICATED,
// its connection closed, and the token appears in no answer. Skipped, saying so, without openssl.
import { inspect } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthToken } from '../node/auth-token.js';
import { NodeClock } from '../node/clock.js';
import { makeTempDir } from '../node/test-support.js';
import { makeTestPki, OPENSSL_AVAILABLE, type TestPki } from '../node/tls-test-pki.js';
import { ServingNode } from '../server/serving-node.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { TsoGrpcClient, type TsoGrpcClientSecurity } from './tso-grpc-client.js';
import { TsoGrpcServer, type TsoGrpcServerOptions } from './tso-grpc-server.js';

const SUITE_NAME = OPENSSL_AVAILABLE ? 'gRPC listener security' : 'gRPC listener security (SKIPPED: openssl is not on the PATH)';

let pki: TestPki;
let removePki = async (): Promise<void> => {};
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(extra: Partial<TsoGrpcServerOptions>) {
  const node = new ServingNode({ driver: new MemoryDriver({ kind: 'leader', epoch: 3n }), clock: new NodeClock() });
  node.start();
  await node.waitUntilServing(5_000);
  const server = await TsoGrpcServer.start({ node, listen: { host: '127.0.0.1', port: 0 }, ...extra });
  cleanups.push(async () => {
    await server.close(100);
    await node.close();
  });
  return server;
}

/** One GetTs on a fresh channel (its own connection): the status code, OK included. */
async function getTsCode(server: TsoGrpcServer, security: TsoGrpcClientSecurity): Promise<grpc.status> {
  const client = new TsoGrpcClient(`127.0.0.1:${server.address.port}`, { 'grpc.use_local_subchannel_pool': 1 }, security);
  try {
    const r = await client.call('GetTs', { count: 1 }, { deadlineMs: 3_000 });
    return r.ok ? grpc.status.OK : r.code;
  } finally {
    client.close();
  }
}

describe.skipIf(!OPENSSL_AVAILABLE)(SUITE_NAME, () => {
  beforeAll(async () => {
    const made = await makeTempDir('tsoracle-grpc-pki-');
    removePki = made.remove;
    pki = makeTestPki(made.dir);
  });
  afterAll(() => removePki());

  it('serves TLS to a client trusting the CA and refuses a plaintext client and one trusting another CA', async () => {
    const server = await serve({ tls: { cert: pki.node.cert, key: pki.node.key } });
    expect(await getTsCode(server, { tls: { ca: pki.ca } })).toBe(grpc.status.OK);
    expect(await getTsCode(server, {})).toBe(grpc.status.UNAVAILABLE);
    expect(await getTsCode(server, { tls: { ca: pki.otherCa } })).toBe(grpc.status.UNAVAILABLE);
  });

  it('under mTLS refuses a client without a certificate or with one from another CA, and serves one the CA signed', async () => {
    const server = await serve({ tls: { cert: pki.node.cert, key: pki.node.key, ca: pki.ca } });
    expect(await getTsCode(server, { tls: { ca: pki.ca } })).toBe(grpc.status.UNAVAILABLE);
    expect(await getTsCode(server, { tls: { ca: pki.ca, cert: pki.otherNode.cert, key: pki.otherNode.key } })).toBe(grpc.status.UNAVAILABLE);
    expect(await getTsCode(server, { tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } })).toBe(grpc.status.OK);
  });

  it('reloadTls serves the new certificate to new handshakes on the same port, and refuses material that does not load', async () => {
    const server = await serve({ tls: { cert: pki.node.cert, key: pki.node.key } });
    const port = server.address.port;
    expect(await getTsCode(server, { tls: { ca: pki.otherCa } })).toBe(grpc.status.UNAVAILABLE);
    server.reloadTls({ cert: pki.otherNode.cert, key: pki.otherNode.key });
    expect(server.address.port).toBe(port);
    expect(await getTsCode(server, { tls: { ca: pki.otherCa } })).toBe(grpc.status.OK);
    expect(await getTsCode(server, { tls: { ca: pki.ca } })).toBe(grpc.status.UNAVAILABLE);
    expect(() => server.reloadTls({ cert: Buffer.from('not a certificate'), key: pki.node.key })).toThrow(/INVALID_CONFIG|does not load/);
    expect(await getTsCode(server, { tls: { ca: pki.otherCa } })).toBe(grpc.status.OK);
  });

  it('answers a missing or wrong token UNAUTHENTICATED without echoing it, closes that connection, and serves the right token', async () => {
    const secret = 's3cret-token-value';
    const server = await serve({ authToken: AuthToken.fromText(secret) });
    const target = `127.0.0.1:${server.address.port}`;
    for (const security of [{}, { token: 'wrong-token' }, { token: `${secret}x` }]) {
      const client = new TsoGrpcClient(target, { 'grpc.use_local_subchannel_pool': 1 }, security);
      const r = await client.call('GetTs', { count: 1 });
      expect(r.ok === false && r.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(r.ok === false && r.details).not.toContain(secret.slice(0, 6));
      // The refused caller's connection is closed by the server.
      for (let i = 0; i < 100 && server.connectionCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(server.connectionCount).toBe(0);
      client.close();
    }
    expect(await getTsCode(server, { token: secret })).toBe(grpc.status.OK);
  });

  it('an AuthToken never prints its secret', () => {
    const token = AuthToken.fromText('abc-secret\n');
    expect([String(token), JSON.stringify({ token }), inspect(token)].join(' ')).not.toContain('abc-secret');
    expect(token.matches('abc-secret')).toBe(true);
    expect(token.matches('abc-secreT')).toBe(false);
    expect(() => AuthToken.fromText('\n')).toThrow(/empty/);
    expect(() => AuthToken.fromText('two words')).toThrow(/printable/);
  });
});
