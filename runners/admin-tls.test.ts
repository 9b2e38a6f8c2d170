// TLS on the membership admin port, with real processes and certificates made at test time by
// openssl: a 3-node Raft cluster started with --tls-cert/--tls-key/--tls-ca serves its admin API
// with mTLS; `tsoracle admin ... --tls-ca/--tls-cert/--tls-key` lists and changes the membership
// (through a follower's redirect too); a plaintext admin client, and a TLS one without a client
// certificate or with one from another CA, get nothing; a node joins with --join ADMIN_H:P over
// mTLS with its own material. Off loopback a plaintext or server-only-TLS admin port is refused at
// start (exit 2, nothing written); an mTLS one serves, and SIGHUP switches its admin port to new
// material (a CA's clients get in once the node trusts it). Skipped, saying so, without openssl.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { adminCliUntil, CHANGE_NOT_NOW, consecutiveFreePorts, RaftNodeTracker, type MembersJson, type NodeProcess } from './admin-test-support.js';
import { ChildTracker, freePorts, waitFor } from './test-support.js';

const OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const SUITE_NAME = OPENSSL ? 'TLS on the admin port' : 'TLS on the admin port (SKIPPED: openssl is not on the PATH)';

/** PEM files: a CA; a node certificate for IP 127.0.0.1 usable both ways (peers, joining); an admin client's; another CA's client. */
function makePki(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) ssl('req', '-x509', ...ecKey, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=tsoracle test ${ca}`);
  writeFileSync(join(dir, 'node.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const issue = (name: string, ca: string, ext: string) => {
    ssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext);
  };
  issue('node', 'ca', 'node.ext');
  issue('admin', 'ca', 'client.ext');
  issue('stranger', 'other-ca', 'client.ext');
  issue('node-other', 'other-ca', 'node.ext');
}

const tracker = new RaftNodeTracker();
const cli = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await tracker.cleanup();
  await cli.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let pki = '';
let removePki: () => Promise<void> = async () => {};
beforeAll(async () => {
  if (!OPENSSL) return;
  const made = await makeTempDir('tsoracle-admin-pki-');
  pki = made.dir;
  removePki = made.remove;
  makePki(pki);
}, 60_000);
afterAll(async () => removePki());

const file = (name: string): string => join(pki, name);
const nodeTls = (): string[] => ['--tls-cert', file('node.pem'), '--tls-key', file('node.key'), '--tls-ca', file('ca.pem')];
const adminTls = (): string[] => ['--tls-ca', file('ca.pem'), '--tls-cert', file('admin.pem'), '--tls-key', file('admin.key')];

async function serving(node: NodeProcess): Promise<void> {
  await waitFor(() => /^serving on /m.test(node.stdout) || node.done, `node ${node.id} serving`, 20_000);
  expect(node.done, node.stderr).toBe(false);
}

describe.skipIf(!OPENSSL)(SUITE_NAME, () => {
  it('serves the admin API with mTLS: the CLI with a client certificate lists and changes members; no certificate, another CA or plaintext get nothing', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-admin-tls-');
    cleanups.push(remove);
    const ports = await consecutiveFreePorts(30);
    const at = (i: number): string => `127.0.0.1:${ports[i] as number}`;
    const raft = (id: number) => at(id - 1);
    const service = (id: number) => at(id + 9);
    const admin = (id: number) => at(id + 19);
    const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
    for (const id of [1, 2, 3]) tracker.spawn(id, ['serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off', '--admin-listen', admin(id), ...nodeTls()]);
    for (const node of tracker.nodes) {
      await serving(node);
      expect(node.stderr).toMatch(/admin API \(tsoracle\.admin\.v1\.MembershipAdmin\) on \S+ \(mTLS\)/);
    }

    let view: MembersJson = { members: [], leader: null };
    for (let i = 0; i < 80 && view.leader === null; i++) {
      const listed = await cli.run(['admin', 'members', '--endpoint', admin(1), '--json', ...adminTls()]);
      expect(listed.code, listed.stderr).toBe(0);
      view = JSON.parse(listed.stdout) as MembersJson;
      if (view.leader === null) await new Promise((r) => setTimeout(r, 250));
    }
    expect(view.members.map((m) => m.id)).toEqual([1, 2, 3]);
    const follower = [1, 2, 3].find((id) => id !== view.leader) as number;

    // A change sent to a follower follows the redirect, over mTLS both times.
    const added = await adminCliUntil(cli, ['admin', 'add-learner', '--endpoint', admin(follower), '--id', '7', '--raft-addr', '127.0.0.1:9', '--service-endpoint', '127.0.0.1:10', '--json', ...adminTls()], CHANGE_NOT_NOW);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ ok: true, endpoint: admin(view.leader as number) });
    const removed = await adminCliUntil(cli, ['admin', 'remove', '--endpoint', admin(view.leader as number), '--id', '7', ...adminTls()], CHANGE_NOT_NOW);
    expect(removed.code, removed.stderr).toBe(0);

    // Refused: plaintext, TLS without a client certificate, a certificate of another CA.
    for (const flags of [[], ['--tls-ca', file('ca.pem')], ['--tls-ca', file('ca.pem'), '--tls-cert', file('stranger.pem'), '--tls-key', file('stranger.key')]]) {
      const refused = await cli.run(['admin', 'members', '--endpoint', admin(1), ...flags]);
      expect(refused.code, flags.join(' ')).toBe(1);
      expect(refused.stderr, flags.join(' ')).toMatch(/UNAVAILABLE: admin ListMembers/);
    }
    const halfPair = await cli.run(['admin', 'members', '--endpoint', admin(1), '--tls-cert', file('admin.pem')]);
    expect(halfPair.code).toBe(2);
    expect(halfPair.stderr).toMatch(/--tls-cert and --tls-key go together/);

    // A node joins through a member's mTLS admin endpoint with its own material.
    const joiner = tracker.spawn(4, ['serve', 'raft', '--id', '4', '--join', admin(follower), '--advertise', `${raft(4)}/${service(4)}`, '--data-dir', join(dir, 'n4'), '--http-listen', 'off', ...nodeTls()]);
    await serving(joiner);
    expect(joiner.stderr).toMatch(/join: the cluster's bootstrap voters from \S+: 1, 2, 3/);
  }, 120_000);

  it('refuses a plaintext or server-only-TLS admin port off loopback at start, serves an mTLS one, and reloads it on SIGHUP', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-admin-tls-bind-');
    cleanups.push(remove);
    const [r, s, a] = (await freePorts(3)) as [number, number, number];
    const base = ['serve', 'raft', '--id', '1', '--peers', `1=127.0.0.1:${r}/127.0.0.1:${s}`, '--http-listen', 'off', '--admin-listen', `0.0.0.0:${a}`];
    for (const [name, flags] of [
      ['plaintext', []],
      ['server-only TLS', ['--tls-cert', file('node.pem'), '--tls-key', file('node.key')]],
    ] as const) {
      const refused = await cli.run([...base, '--data-dir', join(dir, name), ...flags]);
      expect(refused.code, name).toBe(2);
      expect(refused.stderr, name).toMatch(/--admin-listen 0\.0\.0\.0:\d+ is off loopback: the admin port needs mTLS/);
      expect(existsSync(join(dir, name)), name).toBe(false);
    }
    // The node's material in files of its own, replaced below.
    const own = (name: string): string => join(dir, name);
    for (const name of ['node.pem', 'node.key', 'ca.pem']) copyFileSync(file(name), own(name));
    const node = tracker.spawn(1, [...base, '--data-dir', join(dir, 'mtls'), '--tls-cert', own('node.pem'), '--tls-key', own('node.key'), '--tls-ca', own('ca.pem')]);
    await serving(node);
    const capabilities = (flags: readonly string[]) => cli.run(['admin', 'capabilities', '--endpoint', `127.0.0.1:${a}`, '--json', ...flags]);
    const listed = await capabilities(adminTls());
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ driver: 'raft', nodeId: 1 });

    // SIGHUP reloads the admin port's material too: after a switch to the other CA, only its clients get in.
    const otherAdmin = ['--tls-ca', file('other-ca.pem'), '--tls-cert', file('stranger.pem'), '--tls-key', file('stranger.key')];
    expect((await capabilities(otherAdmin)).code).toBe(1);
    copyFileSync(file('node-other.pem'), own('node.pem'));
    copyFileSync(file('node-other.key'), own('node.key'));
    copyFileSync(file('other-ca.pem'), own('ca.pem'));
    node.child.kill('SIGHUP');
    let switched = await capabilities(otherAdmin);
    for (let i = 0; i < 40 && switched.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      switched = await capabilities(otherAdmin);
    }
    expect(switched.code, switched.stderr + node.stderr).toBe(0);
    expect((await capabilities(adminTls())).code).toBe(1);
  }, 90_000);
});
