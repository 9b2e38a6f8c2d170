// TLS, tokens and exposure rules of the real `tsoracle serve` processes, with certificates made
// at test time by openssl: SIGHUP reloads the certificate of the client and gRPC ports of a
// running `serve file` without closing its listeners (and a reload from unreadable files keeps the
// old one); a 3-node `serve raft` cluster runs its peers over mTLS with --auth-token-file on the
// gRPC port (the native client follows the leader hint over TLS; a gRPC call without the token is
// UNAUTHENTICATED); a plaintext node cannot join it, nor a `serve paxos` cluster with mTLS peers;
// off loopback a plaintext unauthenticated listener is refused without --insecure /
// --allow-insecure-peer. Skipped, saying so, without openssl.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TsoGrpcClient, type TsoGrpcClientSecurity } from '../drivers/grpc/tso-grpc-client.js';
import { makeTempDir } from '../drivers/node/test-support.js';
import { makeTestPki, OPENSSL_AVAILABLE, type TestPki } from '../drivers/node/tls-test-pki.js';
import { createClient, type ClientOptions } from './client.js';
import { checkExposure, checkHttpTls, isLoopbackHost } from './tls-config.js';
import { ChildTracker, freePorts, waitFor } from './test-support.js';

const SUITE_NAME = OPENSSL_AVAILABLE ? 'TLS and tokens of serve processes' : 'TLS and tokens of serve processes (SKIPPED: openssl is not on the PATH)';
const TEST_TIMEOUT_MS = 60_000;

const children = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await children.cleanup();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(prefix: string): Promise<string> {
  const { dir, remove } = await makeTempDir(prefix);
  cleanups.push(remove);
  return dir;
}

async function tryGetTs(endpoints: readonly string[], tls: ClientOptions['tls'] | undefined, overallTimeoutMs = 10_000, token?: string): Promise<bigint | string> {
  const client = createClient({ endpoints: [...endpoints], retry: { attemptsMax: 6, overallTimeoutMs, attemptTimeoutMs: 2_000 }, ...(tls !== undefined ? { tls } : {}), ...(token !== undefined ? { token } : {}) });
  try {
    return await client.getTs();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await client.close();
  }
}

async function grpcCode(endpoint: string, security: TsoGrpcClientSecurity): Promise<grpc.status> {
  const client = new TsoGrpcClient(endpoint, { 'grpc.use_local_subchannel_pool': 1 }, security);
  try {
    const r = await client.call('GetTs', { count: 1 }, { deadlineMs: 3_000 });
    return r.ok ? grpc.status.OK : r.code;
  } finally {
    client.close();
  }
}

describe('exposure rules', () => {
  it('loopback is 127/8, ::1 and localhost; wildcards and other addresses are not', () => {
    for (const host of ['127.0.0.1', '127.9.8.7', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'tso.internal', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses a plaintext unauthenticated client port and a plaintext peer port off loopback, unless told', () => {
    const client = { flag: '--listen', host: '0.0.0.0', kind: 'client' as const, tls: false, token: false };
    const peer = { flag: '--peers', host: '10.0.0.1', kind: 'peer' as const, tls: false, token: false };
    expect(() => checkExposure([client], {})).toThrow(/--listen 0.0.0.0 is off loopback.*--insecure/);
    expect(() => checkExposure([client], { insecure: true })).not.toThrow();
    expect(() => checkExposure([{ ...client, tls: true }], {})).not.toThrow();
    expect(() => checkExposure([{ ...client, token: true }], {})).not.toThrow();
    expect(() => checkExposure([peer], { insecure: true })).toThrow(/--allow-insecure-peer/);
    expect(() => checkExposure([peer], { allowInsecurePeer: true })).not.toThrow();
    expect(() => checkExposure([{ ...peer, tls: true }], {})).not.toThrow();
    expect(() => checkExposure([{ ...client, host: '127.0.0.1' }, { ...peer, host: '127.0.0.1' }], {})).not.toThrow();
  });
});

describe('--http-tls', () => {
  it('needs the TLS material and an HTTP port', () => {
    const tls = { cert: 'c', key: 'k' };
    expect(() => checkHttpTls(false, undefined, true)).not.toThrow();
    expect(() => checkHttpTls(true, tls, false)).not.toThrow();
    expect(() => checkHttpTls(true, undefined, false)).toThrow(/INVALID_CONFIG.*--http-tls needs --tls-cert and --tls-key/);
    expect(() => checkHttpTls(true, tls, true)).toThrow(/INVALID_CONFIG.*--http-tls needs an HTTP port/);
  });
});

describe.skipIf(!OPENSSL_AVAILABLE)(SUITE_NAME, () => {
  let pki: TestPki;
  let removePki = async (): Promise<void> => {};
  beforeAll(async () => {
    const made = await makeTempDir('tsoracle-tls-serve-pki-');
    removePki = made.remove;
    pki = makeTestPki(made.dir);
  });
  afterAll(() => removePki());

  it(
    'serve file reloads its certificate on SIGHUP on the same ports, and keeps the old one when the new files do not load',
    async () => {
      const dir = await tempDir('tsoracle-tls-reload-');
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      copyFileSync(pki.node.certFile, cert);
      copyFileSync(pki.node.keyFile, key);
      const server = await children.serve({ dataDir: join(dir, 'data'), extraArgs: ['--tls-cert', cert, '--tls-key', key, '--grpc-listen', '127.0.0.1:0'] });
      await waitFor(() => /^grpc on /m.test(server.stderr()), "the 'grpc on' line");
      const grpcEndpoint = (/^grpc on (\S+)$/m.exec(server.stderr()) as RegExpExecArray)[1] as string;
      expect(typeof (await tryGetTs([server.endpoint], { ca: pki.ca }))).toBe('bigint');
      expect(await tryGetTs([server.endpoint], { ca: pki.otherCa })).toMatch(/unable to verify/);
      expect(await grpcCode(grpcEndpoint, { tls: { ca: pki.otherCa } })).toBe(grpc.status.UNAVAILABLE);

      copyFileSync(pki.otherNode.certFile, cert);
      copyFileSync(pki.otherNode.keyFile, key);
      process.kill(server.pid, 'SIGHUP');
      await waitFor(() => /SIGHUP: TLS certificates reloaded/.test(server.stderr()), 'the reload line');
      expect(typeof (await tryGetTs([server.endpoint], { ca: pki.otherCa }))).toBe('bigint');
      expect(await grpcCode(grpcEndpoint, { tls: { ca: pki.otherCa } })).toBe(grpc.status.OK);
      expect(await tryGetTs([server.endpoint], { ca: pki.ca })).toMatch(/unable to verify/);

      writeFileSync(cert, 'not a certificate');
      process.kill(server.pid, 'SIGHUP');
      await waitFor(() => /SIGHUP: TLS reload failed, the previous certificates stay/.test(server.stderr()), 'the failed reload line');
      expect(server.hasExited()).toBe(false);
      expect(typeof (await tryGetTs([server.endpoint], { ca: pki.otherCa }))).toBe('bigint');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a serve raft cluster with mTLS peers and a gRPC token serves TLS clients; a plaintext node cannot join; tokens are checked',
    async () => {
      const dir = await tempDir('tsoracle-tls-raft-');
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, 'cluster-token-1234\n');
      const ports = await freePorts(9);
      const raft = (id: number) => `127.0.0.1:${ports[id - 1] as number}`;
      const service = (id: number) => `127.0.0.1:${ports[id + 2] as number}`;
      const grpcOf = (id: number) => `127.0.0.1:${ports[id + 5] as number}`;
      const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
      const tlsFlags = ['--tls-cert', pki.node.certFile, '--tls-key', pki.node.keyFile, '--tls-ca', pki.caFile, '--auth-token-file', tokenFile];
      const start = (id: number, flags: readonly string[]) =>
        children.serve({
          dataDir: '',
          httpListen: 'off',
          args: ['serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off', '--grpc-listen', grpcOf(id), ...flags],
        });
      const tlsNodes = await Promise.all([start(1, tlsFlags), start(2, tlsFlags)]);
      // Node 3 has no TLS: its peer connections are refused by the TLS nodes' handshakes.
      const plain = await start(3, []);
      const mtls = { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
      expect(typeof (await tryGetTs([service(1), service(2)], mtls, 10_000, 'cluster-token-1234'))).toBe('bigint');
      // The token guards the native port too: without it the call fails UNAUTHENTICATED.
      expect(await tryGetTs([service(1), service(2)], mtls, 5_000)).toMatch(/UNAUTHENTICATED|token/);
      // The plaintext node never hears of the TLS leader: it cannot serve, and has no hint to give.
      expect(await tryGetTs([service(3)], undefined, 3_000)).toMatch(/NOT_LEADER|UNAVAILABLE|no leader|TIMEOUT/i);
      expect(plain.stderr()).not.toMatch(/^serving epoch/m);
      const tls = { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
      // One of the two TLS nodes leads (an election may be under way on a loaded machine: ask again).
      let codes: grpc.status[] = [];
      for (let round = 0; round < 30 && !codes.includes(grpc.status.OK); round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 300));
        codes = await Promise.all([1, 2].map((id) => grpcCode(grpcOf(id), { tls, token: 'cluster-token-1234' })));
      }
      expect(codes.sort(), tlsNodes.map((n) => n.stderr()).join('\n')).toEqual([grpc.status.OK, grpc.status.FAILED_PRECONDITION].sort());
      expect(await grpcCode(grpcOf(1), { tls })).toBe(grpc.status.UNAUTHENTICATED);
      expect(await grpcCode(grpcOf(1), { tls, token: 'cluster-token-1235' })).toBe(grpc.status.UNAUTHENTICATED);
      expect(await grpcCode(grpcOf(1), { token: 'cluster-token-1234' })).toBe(grpc.status.UNAVAILABLE);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a serve paxos cluster runs its peers over mTLS and serves TLS clients; a plaintext node cannot join',
    async () => {
      const dir = await tempDir('tsoracle-tls-paxos-');
      const ports = await freePorts(6);
      const peerOf = (id: number) => `127.0.0.1:${ports[id - 1] as number}`;
      const service = (id: number) => `127.0.0.1:${ports[id + 2] as number}`;
      const peers = [1, 2, 3].map((id) => `${id}=${peerOf(id)}/${service(id)}`).join(',');
      const tlsFlags = ['--tls-cert', pki.node.certFile, '--tls-key', pki.node.keyFile, '--tls-ca', pki.caFile];
      const start = (id: number, flags: readonly string[]) =>
        children.serve({ dataDir: '', args: ['serve', 'paxos', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off', ...flags] });
      await Promise.all([start(1, tlsFlags), start(2, tlsFlags)]);
      // Node 3 has no TLS: the TLS nodes' handshakes refuse its peer connections.
      const plain = await start(3, []);
      const mtls = { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
      expect(typeof (await tryGetTs([service(1), service(2)], mtls, 15_000))).toBe('bigint');
      expect(await tryGetTs([service(3)], undefined, 3_000)).toMatch(/NOT_LEADER|UNAVAILABLE|no leader|TIMEOUT/i);
      expect(plain.stderr()).not.toMatch(/^paxos: leading epoch/m);
      expect(plain.stderr()).not.toMatch(/^serving epoch/m);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'off loopback, serve file refuses a plaintext unauthenticated port without --insecure, and starts with it',
    async () => {
      const dir = await tempDir('tsoracle-tls-exposure-');
      const refused = await children.run(['serve', 'file', '--data-dir', join(dir, 'a'), '--listen', '0.0.0.0:0', '--http-listen', 'off']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--listen 0\.0\.0\.0 is off loopback with neither TLS nor a token.*--insecure/);
      const tokenOnly = await children.run(['serve', 'file', '--data-dir', join(dir, 'b'), '--listen', '127.0.0.1:0', '--grpc-listen', '0.0.0.0:0', '--http-listen', 'off']);
      expect(tokenOnly.code).toBe(2);
      expect(tokenOnly.stderr).toMatch(/--grpc-listen 0\.0\.0\.0 is off loopback/);
      const insecure = await children.serve({ dataDir: join(dir, 'c'), listen: '0.0.0.0:0', extraArgs: ['--insecure'] });
      expect(insecure.endpoint).toMatch(/^0\.0\.0\.0:\d+$/);
    },
    TEST_TIMEOUT_MS,
  );
});
