// HTTPS on the HTTP port (`--http-tls`: /metrics, /healthz, /readyz with the server's
// --tls-cert/--tls-key, mTLS with --tls-ca) of real `tsoracle serve file`, `serve raft` and
// `serve paxos` processes (and `serve etcd` on a throwaway etcd, when etcd is installed), with
// certificates made at test time by openssl: a client trusting the
// CA and presenting a certificate it signed scrapes /metrics; a plaintext request, a client
// without a certificate, and a client trusting another CA get nothing, and the server keeps
// serving; SIGHUP swaps the HTTP port's certificate on the same port, SIGTERM closes it; `--http-tls` without TLS
// or without an HTTP port is a usage error. `serve etcd` also serves its client port over TLS and
// refuses a plaintext unauthenticated one off loopback. Skipped, saying so, without openssl.
import { copyFileSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { makeTestPki, OPENSSL_AVAILABLE, type TestPki } from '../drivers/node/tls-test-pki.js';
import { ETCD_MISSING_REASON, startEtcdCluster, type EtcdTestCluster } from '../drivers/etcd/test-support.js';
import { createClient } from './client.js';
import { ChildTracker, freePorts, waitFor, type ServerChild } from './test-support.js';

const SUITE_NAME = OPENSSL_AVAILABLE ? 'HTTPS on the HTTP port' : 'HTTPS on the HTTP port (SKIPPED: openssl is not on the PATH)';
const TEST_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 5_000;

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

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** The client side of one request: what TLS it speaks (null: plaintext HTTP). */
interface Speaker {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** GET `path` from `endpoint` over HTTPS (or plain HTTP with `speaker` null): the answer, or the error's message. */
function get(endpoint: string, path: string, speaker: Speaker | null): Promise<Answer | string> {
  const [host, port] = endpoint.split(':') as [string, string];
  return new Promise((resolve) => {
    const options = { host, port: Number(port), path, method: 'GET', timeout: REQUEST_TIMEOUT_MS, agent: false as const };
    const onAnswer = (res: import('node:http').IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve(e.message));
    };
    const req =
      speaker === null
        ? httpRequest(options, onAnswer)
        : httpsRequest({ ...options, ca: speaker.ca, ...(speaker.cert !== undefined ? { cert: speaker.cert } : {}), ...(speaker.key !== undefined ? { key: speaker.key } : {}) }, onAnswer);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', (e) => resolve(e.message));
    req.end();
  });
}

/** Polls `path` until it answers `status` (a replicated node needs a moment to elect itself). */
async function getUntil(endpoint: string, path: string, speaker: Speaker, status: number): Promise<Answer | string> {
  let answer: Answer | string = '';
  for (let attempt = 0; attempt < 100; attempt++) {
    answer = await get(endpoint, path, speaker);
    if (typeof answer !== 'string' && answer.status === status) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
  return answer;
}

describe.skipIf(!OPENSSL_AVAILABLE)(SUITE_NAME, () => {
  let pki: TestPki;
  let removePki = async (): Promise<void> => {};
  beforeAll(async () => {
    const made = await makeTempDir('tsoracle-tls-http-pki-');
    removePki = made.remove;
    pki = makeTestPki(made.dir);
  });
  afterAll(() => removePki());

  /** The refusals every HTTPS port under mTLS owes; then the port still serves the good client. */
  async function expectMtlsRefusals(server: ServerChild, endpoint: string): Promise<void> {
    const good = { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
    // Plaintext HTTP: the TLS handshake fails on its first bytes and the socket is closed.
    expect(await get(endpoint, '/metrics', null)).toMatch(/socket hang up|ECONNRESET|Parse Error/);
    // No client certificate: the server's handshake refuses it.
    expect(await get(endpoint, '/metrics', { ca: pki.ca })).toMatch(/certificate required|socket hang up|ECONNRESET/);
    // A client certificate from another CA.
    expect(await get(endpoint, '/metrics', { ca: pki.ca, cert: pki.otherNode.cert, key: pki.otherNode.key })).toMatch(/unknown ca|socket hang up|ECONNRESET|certificate/);
    // The server's certificate does not verify against another CA.
    expect(await get(endpoint, '/healthz', { ca: pki.otherCa, cert: pki.client.cert, key: pki.client.key })).toMatch(/unable to verify|self-signed certificate in certificate chain/);
    expect(server.hasExited()).toBe(false);
    expect(await get(endpoint, '/healthz', good)).toEqual({ status: 200, body: 'ok\n' });
  }

  it(
    'serve file --http-tls serves /metrics, /healthz and /readyz over mTLS only, and reloads the certificate on SIGHUP on the same port',
    async () => {
      const dir = await tempDir('tsoracle-tls-http-file-');
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      copyFileSync(pki.node.certFile, cert);
      copyFileSync(pki.node.keyFile, key);
      const server = await children.serve({
        dataDir: join(dir, 'data'),
        httpListen: '127.0.0.1:0',
        extraArgs: ['--tls-cert', cert, '--tls-key', key, '--tls-ca', pki.caFile, '--http-tls'],
      });
      expect(server.stderr()).toMatch(/^http on 127\.0\.0\.1:\d+ \(TLS\)$/m);
      const endpoint = server.httpEndpoint as string;
      const good = { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
      const metrics = await get(endpoint, '/metrics', good);
      expect(typeof metrics === 'string' ? metrics : metrics.status).toBe(200);
      expect(typeof metrics === 'string' ? metrics : metrics.body).toMatch(/^tsoracle_requests_total\b|^# TYPE tsoracle_/m);
      expect(await get(endpoint, '/readyz', good)).toEqual({ status: 200, body: 'serving\n' });
      await expectMtlsRefusals(server, endpoint);

      // SIGHUP: the other CA's node certificate now serves HTTPS on the same port.
      copyFileSync(pki.otherNode.certFile, cert);
      copyFileSync(pki.otherNode.keyFile, key);
      process.kill(server.pid, 'SIGHUP');
      await waitFor(() => /SIGHUP: TLS certificates reloaded/.test(server.stderr()), 'the reload line');
      expect(await get(endpoint, '/healthz', { ca: pki.otherCa, cert: pki.client.cert, key: pki.client.key })).toEqual({ status: 200, body: 'ok\n' });
      expect(await get(endpoint, '/healthz', good)).toMatch(/unable to verify|self-signed certificate in certificate chain/);
      // SIGTERM closes the HTTPS port with the others, gracefully.
      expect(await server.terminate()).toEqual({ code: 0, signal: null });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'serve file --http-tls without --tls-ca serves HTTPS to any client that trusts the CA, and never plaintext',
    async () => {
      const dir = await tempDir('tsoracle-tls-http-nomtls-');
      const server = await children.serve({
        dataDir: join(dir, 'data'),
        httpListen: '127.0.0.1:0',
        extraArgs: ['--tls-cert', pki.node.certFile, '--tls-key', pki.node.keyFile, '--http-tls'],
      });
      const endpoint = server.httpEndpoint as string;
      expect(await get(endpoint, '/healthz', { ca: pki.ca })).toEqual({ status: 200, body: 'ok\n' });
      expect(await get(endpoint, '/healthz', null)).toMatch(/socket hang up|ECONNRESET|Parse Error/);
      expect(await get(endpoint, '/healthz', { ca: pki.otherCa })).toMatch(/unable to verify/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'without --http-tls the HTTP port stays plaintext beside a TLS client port',
    async () => {
      const dir = await tempDir('tsoracle-tls-http-plain-');
      const server = await children.serve({
        dataDir: join(dir, 'data'),
        httpListen: '127.0.0.1:0',
        extraArgs: ['--tls-cert', pki.node.certFile, '--tls-key', pki.node.keyFile, '--tls-ca', pki.caFile],
      });
      expect(server.stderr()).toMatch(/^http on 127\.0\.0\.1:\d+$/m);
      expect(await get(server.httpEndpoint as string, '/healthz', null)).toEqual({ status: 200, body: 'ok\n' });
    },
    TEST_TIMEOUT_MS,
  );

  for (const driver of ['raft', 'paxos'] as const) {
    it(
      `serve ${driver} --http-tls serves its metrics over mTLS only`,
      async () => {
        const dir = await tempDir(`tsoracle-tls-http-${driver}-`);
        const [peerPort, servicePort] = (await freePorts(2)) as [number, number];
        const server = await children.serve({
          dataDir: '',
          httpListen: '127.0.0.1:0',
          args: [
            'serve',
            driver,
            '--id',
            '1',
            '--peers',
            `1=127.0.0.1:${peerPort}/127.0.0.1:${servicePort}`,
            '--data-dir',
            join(dir, 'data'),
            '--http-listen',
            '127.0.0.1:0',
            '--tls-cert',
            pki.node.certFile,
            '--tls-key',
            pki.node.keyFile,
            '--tls-ca',
            pki.caFile,
            '--http-tls',
          ],
        });
        const endpoint = server.httpEndpoint as string;
        const good = { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
        // A one-node cluster elects itself; /readyz says so once it serves.
        expect(await getUntil(endpoint, '/readyz', good, 200)).toEqual({ status: 200, body: 'serving\n' });
        const metrics = await get(endpoint, '/metrics', good);
        expect(typeof metrics === 'string' ? metrics : metrics.body).toMatch(new RegExp(`^# TYPE tsoracle_${driver}_role_changes_total counter$`, 'm'));
        await expectMtlsRefusals(server, endpoint);
      },
      TEST_TIMEOUT_MS,
    );
  }

  describe.skipIf(ETCD_MISSING_REASON !== null)(`serve etcd${ETCD_MISSING_REASON !== null ? ` (SKIPPED: ${ETCD_MISSING_REASON})` : ''}`, () => {
    let cluster: EtcdTestCluster | null = null;
    beforeAll(async () => {
      cluster = await startEtcdCluster(1);
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it(
      'serve etcd --tls-cert/--tls-key/--tls-ca --http-tls serves its client and HTTP ports over mTLS only',
      async () => {
        const etcd = cluster as EtcdTestCluster;
        const server = await children.serve({
          dataDir: '',
          httpListen: '127.0.0.1:0',
          args: [
            'serve',
            'etcd',
            '--etcd-endpoints',
            etcd.endpoints,
            '--cluster',
            `tls-http-${process.pid}`,
            '--lease-ttl',
            '2s',
            '--listen',
            '127.0.0.1:0',
            '--http-listen',
            '127.0.0.1:0',
            '--tls-cert',
            pki.node.certFile,
            '--tls-key',
            pki.node.keyFile,
            '--tls-ca',
            pki.caFile,
            '--http-tls',
          ],
        });
        const endpoint = server.httpEndpoint as string;
        const good = { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
        expect(await getUntil(endpoint, '/readyz', good, 200)).toEqual({ status: 200, body: 'serving\n' });
        const metrics = await get(endpoint, '/metrics', good);
        expect(typeof metrics === 'string' ? metrics : metrics.body).toMatch(/^# TYPE tsoracle_etcd_leader gauge$/m);
        await expectMtlsRefusals(server, endpoint);
        // The client port speaks mTLS too.
        const client = createClient({ endpoints: [server.endpoint], tls: good, retry: { overallTimeoutMs: 10_000 } });
        try {
          expect(typeof (await client.getTs())).toBe('bigint');
        } finally {
          await client.close();
        }
        const plain = createClient({ endpoints: [server.endpoint], retry: { attemptsMax: 1, overallTimeoutMs: 3_000, attemptTimeoutMs: 1_500 } });
        try {
          await expect(plain.getTs()).rejects.toThrow(/TRANSPORT|closed/);
        } finally {
          await plain.close();
        }
      },
      TEST_TIMEOUT_MS,
    );
  });

  it(
    'off loopback, serve etcd refuses a plaintext unauthenticated client port without --insecure (before it reaches etcd)',
    async () => {
      const refused = await children.run(['serve', 'etcd', '--etcd-endpoints', '127.0.0.1:1', '--cluster', 'x', '--listen', '0.0.0.0:0', '--http-listen', 'off']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--listen 0\.0\.0\.0 is off loopback with neither TLS nor a token.*--insecure/);
      // With TLS the check passes, and the start fails later, on the unreachable etcd (exit 1).
      const tls = await children.run(['serve', 'etcd', '--etcd-endpoints', '127.0.0.1:1', '--cluster', 'x', '--listen', '0.0.0.0:0', '--http-listen', 'off', '--tls-cert', pki.node.certFile, '--tls-key', pki.node.keyFile]);
      expect(tls.code).toBe(1);
      expect(tls.stderr).toMatch(/UNAVAILABLE.*cannot be reached/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '--http-tls without TLS flags, or with --http-listen off, is a usage error before anything is written',
    async () => {
      const dir = await tempDir('tsoracle-tls-http-usage-');
      const noTls = await children.run(['serve', 'file', '--data-dir', join(dir, 'a'), '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--http-tls']);
      expect(noTls.code).toBe(2);
      expect(noTls.stderr).toMatch(/--http-tls needs --tls-cert and --tls-key/);
      const off = await children.run([
        'serve',
        'file',
        '--data-dir',
        join(dir, 'b'),
        '--listen',
        '127.0.0.1:0',
        '--http-listen',
        'off',
        '--tls-cert',
        pki.node.certFile,
        '--tls-key',
        pki.node.keyFile,
        '--http-tls',
      ]);
      expect(off.code).toBe(2);
      expect(off.stderr).toMatch(/--http-tls needs an HTTP port/);
      const [peerPort, servicePort] = (await freePorts(2)) as [number, number];
      const raft = await children.run(['serve', 'raft', '--id', '1', '--peers', `1=127.0.0.1:${peerPort}/127.0.0.1:${servicePort}`, '--data-dir', join(dir, 'c'), '--http-tls']);
      expect(raft.code).toBe(2);
      expect(raft.stderr).toMatch(/--http-tls needs --tls-cert and --tls-key/);
      for (const d of ['a', 'b', 'c']) expect(existsSync(join(dir, d)), d).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});
