// TLS on the native client port (NodeTransport's tlsServer / tlsClient, startServer's `tls`, the
// client's `tls`, `serve file --tls-cert/--tls-key/--tls-ca`), with certificates made at test
// time by openssl: a TLS client that trusts the CA gets timestamps; a plaintext client, a client
// trusting another CA, and (under mTLS) a client without a certificate or with one from another
// CA get nothing; the CLI serves TLS from PEM files. Skipped, saying so, without openssl.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient, type ClientOptions } from './client.js';
import { startServer, type TsoServer } from './server.js';
import { ChildTracker } from './test-support.js';

const OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const SUITE_NAME = OPENSSL ? 'TLS on the native client port' : 'TLS on the native client port (SKIPPED: openssl is not on the PATH)';

interface Pki {
  readonly dir: string;
  readonly ca: Buffer;
  readonly otherCa: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  readonly strangerCert: Buffer;
  readonly strangerKey: Buffer;
}

/** A CA, a server certificate for IP 127.0.0.1, a client certificate, and the same from a second CA. */
function makePki(dir: string): Pki {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) ssl('req', '-x509', ...ecKey, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=tsoracle test ${ca}`);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const issue = (name: string, ca: string, ext: string) => {
    ssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext);
  };
  issue('server', 'ca', 'server.ext');
  issue('client', 'ca', 'client.ext');
  issue('stranger', 'other-ca', 'client.ext');
  const read = (f: string) => readFileSync(join(dir, f));
  return {
    dir,
    ca: read('ca.pem'),
    otherCa: read('other-ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    strangerCert: read('stranger.pem'),
    strangerKey: read('stranger.key'),
  };
}

const cleanups: Array<() => Promise<void>> = [];
const children = new ChildTracker();
afterEach(async () => {
  await children.cleanup();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(pki: Pki, mtls: boolean): Promise<TsoServer> {
  const { dir, remove } = await makeTempDir('tsoracle-tls-data-');
  const server = await startServer({
    dataDir: join(dir, 'data'),
    listen: '127.0.0.1:0',
    httpListen: null,
    tls: { cert: pki.serverCert, key: pki.serverKey, ...(mtls ? { ca: pki.ca } : {}) },
  });
  cleanups.push(async () => {
    await server.close();
    await remove();
  });
  return server;
}

/** getTs through a client with `tls` (or plaintext): the timestamp, or the error's message. */
async function tryGetTs(endpoint: string, tls: ClientOptions['tls'] | undefined): Promise<bigint | string> {
  const client = createClient({ endpoints: [endpoint], retry: { attemptsMax: 1, overallTimeoutMs: 3_000, attemptTimeoutMs: 1_500 }, ...(tls !== undefined ? { tls } : {}) });
  try {
    return await client.getTs();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await client.close();
  }
}

describe.skipIf(!OPENSSL)(SUITE_NAME, () => {
  let pki: Pki;
  let removePki = async (): Promise<void> => {};
  beforeAll(async () => {
    const made = await makeTempDir('tsoracle-tls-pki-');
    removePki = made.remove;
    pki = makePki(made.dir);
  });
  afterAll(() => removePki());

  it('serves a client that trusts its CA, and nothing to a plaintext client or one trusting another CA', async () => {
    const server = await serve(pki, false);
    const endpoint = `127.0.0.1:${server.address.port}`;
    expect(typeof (await tryGetTs(endpoint, { ca: pki.ca }))).toBe('bigint');
    expect(await tryGetTs(endpoint, undefined)).toMatch(/^TRANSPORT: .*closed by peer/);
    expect(await tryGetTs(endpoint, { ca: pki.otherCa })).toMatch(/unable to verify the first certificate/);
  });

  it('with a CA (mTLS) serves only clients whose certificate that CA signed', async () => {
    const server = await serve(pki, true);
    const endpoint = `127.0.0.1:${server.address.port}`;
    expect(typeof (await tryGetTs(endpoint, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }))).toBe('bigint');
    expect(await tryGetTs(endpoint, { ca: pki.ca })).toMatch(/certificate required/);
    expect(await tryGetTs(endpoint, { ca: pki.ca, cert: pki.strangerCert, key: pki.strangerKey })).toMatch(/^TRANSPORT: /);
    // The refusals left the server serving.
    expect(typeof (await tryGetTs(endpoint, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }))).toBe('bigint');
  });

  it('serve file --tls-cert/--tls-key/--tls-ca serves mTLS from PEM files, and refuses a half configuration', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-tls-cli-');
    cleanups.push(remove);
    const files = ['--tls-cert', join(pki.dir, 'server.pem'), '--tls-key', join(pki.dir, 'server.key'), '--tls-ca', join(pki.dir, 'ca.pem')];
    const server = await children.serve({ dataDir: join(dir, 'data'), extraArgs: files });
    expect(typeof (await tryGetTs(server.endpoint, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }))).toBe('bigint');
    expect(await tryGetTs(server.endpoint, { ca: pki.ca })).toMatch(/certificate required/);
    const half = await children.run(['serve', 'file', '--data-dir', join(dir, 'other'), '--listen', '127.0.0.1:0', '--http-listen', 'off', '--tls-cert', join(pki.dir, 'server.pem')]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--tls-cert and --tls-key go together/);
  });
});
