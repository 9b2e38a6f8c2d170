// Test support: a throwaway PKI made by openssl at test time (never committed keys). Two CAs;
// from each a node certificate for IP 127.0.0.1 / localhost usable both as a server and as a
// client (peers present it both ways), and a client-only certificate. Elliptic-curve keys, two
// days of validity. `OPENSSL_AVAILABLE` lets a suite skip, saying so, where openssl is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENSSL_AVAILABLE = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

export interface PemPair {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The files the CLI reads. */
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: Buffer;
  readonly caFile: string;
  readonly otherCa: Buffer;
  readonly otherCaFile: string;
  /** Signed by `ca`: serverAuth + clientAuth, SAN IP:127.0.0.1, DNS:localhost. */
  readonly node: PemPair;
  /** Signed by `ca`: clientAuth only. */
  readonly client: PemPair;
  /** Signed by `otherCa`: serverAuth + clientAuth, the same SANs. */
  readonly otherNode: PemPair;
}

/** Makes the PKI in `dir` (about a tenth of a second of openssl). */
export function makeTestPki(dir: string): TestPki {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) ssl('req', '-x509', ...ecKey, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=tsoracle test ${ca}`);
  writeFileSync(join(dir, 'node.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const issue = (name: string, ca: string, ext: string): PemPair => {
    ssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext);
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}.key`);
    return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
  };
  const node = issue('node', 'ca', 'node.ext');
  const client = issue('client', 'ca', 'client.ext');
  const otherNode = issue('other-node', 'other-ca', 'node.ext');
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.pem')),
    caFile: join(dir, 'ca.pem'),
    otherCa: readFileSync(join(dir, 'other-ca.pem')),
    otherCaFile: join(dir, 'other-ca.pem'),
    node,
    client,
    otherNode,
  };
}
