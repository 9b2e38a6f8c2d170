// Test helper: throwaway etcd servers (Debian's etcd-server, binary `etcd`) on loopback ports,
// each member with a temporary data directory, for the etcd driver's and runner's tests.
//
// Invariants:
//   - Every wait is bounded: a cluster that does not answer /health within ETCD_READY_TIMEOUT_MS
//     is killed and the start rejects with its log.
//   - `stop()` kills every member it started (by its own pid) and removes the data directories;
//     it is idempotent. Nothing else is ever killed.
//   - `ETCD_MISSING_REASON` is null when `etcd` is on PATH, else the reason tests print when they
//     skip (`.ci/run` installs etcd-server, so CI never skips).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../runners/test-support.js';

export const ETCD_READY_TIMEOUT_MS = 20_000;

function etcdMissingReason(): string | null {
  const probe = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return 'etcd is not on PATH (apt-get install etcd-server; .ci/run does)';
  return null;
}

export const ETCD_MISSING_REASON: string | null = etcdMissingReason();

export interface EtcdTestMember {
  readonly name: string;
  readonly clientUrl: string;
  process: ChildProcess | null;
  log: string;
}

export interface EtcdTestCluster {
  readonly members: readonly EtcdTestMember[];
  /** Client URLs of every member, comma-separated (the form --etcd-endpoints takes). */
  readonly endpoints: string;
  readonly endpointList: readonly string[];
  /** SIGKILLs one member (by index) and waits for its exit. */
  killMember(index: number): Promise<void>;
  /** Starts a killed member again on its own data directory (it rejoins with what it had). */
  restartMember(index: number): void;
  /** The index of the member that leads etcd's Raft now, as every live member agrees; null while they do not. */
  leaderIndex(): Promise<number | null>;
  stop(): Promise<void>;
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await response.json()) as { health?: unknown };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

/** A member's `/v3/maintenance/status`: its own id and the leader it knows (ids as decimal strings). */
async function memberStatus(clientUrl: string): Promise<{ memberId: string; leaderId: string } | null> {
  try {
    const response = await fetch(`${clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1_000) });
    const body = (await response.json()) as { header?: { member_id?: unknown }; leader?: unknown };
    const memberId = body.header?.member_id;
    const leaderId = body.leader;
    return typeof memberId === 'string' && typeof leaderId === 'string' ? { memberId, leaderId } : null;
  } catch {
    return null;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts an etcd cluster of `size` members on loopback; resolves once every member is healthy. */
export async function startEtcdCluster(size = 1): Promise<EtcdTestCluster> {
  const ports = await freePorts(2 * size);
  const root = await mkdtemp(join(tmpdir(), 'tsoracle-etcd-'));
  const names = Array.from({ length: size }, (_, i) => `m${i + 1}`);
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  const spawnMember = (member: EtcdTestMember, i: number): void => {
    const { name, clientUrl } = member;
    const child = spawn(
      'etcd',
      [
        '--name', name,
        '--data-dir', join(root, name),
        '--listen-client-urls', clientUrl,
        '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrl(i),
        '--initial-advertise-peer-urls', peerUrl(i),
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `tsoracle-test-${ports[0]}`,
        '--heartbeat-interval', '50',
        '--election-timeout', '500',
        '--log-outputs', 'stderr',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    member.process = child;
    const keep = (chunk: Buffer): void => {
      member.log = (member.log + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  };
  const members: EtcdTestMember[] = names.map((name, i) => {
    const member: EtcdTestMember = { name, clientUrl: `http://127.0.0.1:${ports[2 * i]}`, process: null, log: '' };
    spawnMember(member, i);
    return member;
  });
  let stopped = false;
  const cluster: EtcdTestCluster = {
    members,
    endpointList: members.map((m) => m.clientUrl),
    endpoints: members.map((m) => m.clientUrl).join(','),
    async killMember(index: number): Promise<void> {
      const member = members[index];
      if (member?.process === null || member === undefined) return;
      const child = member.process;
      member.process = null;
      child.kill('SIGKILL');
      await exited(child);
    },
    restartMember(index: number): void {
      const member = members[index];
      if (member === undefined || member.process !== null || stopped) return;
      spawnMember(member, index);
    },
    async leaderIndex(): Promise<number | null> {
      const live = members.map((m, i) => ({ m, i })).filter(({ m }) => m.process !== null);
      const statuses = await Promise.all(live.map(({ m }) => memberStatus(m.clientUrl)));
      const leaderIds = new Set(statuses.map((st) => st?.leaderId ?? null));
      if (leaderIds.size !== 1 || leaderIds.has(null) || leaderIds.has('0')) return null;
      const at = statuses.findIndex((st) => st !== null && st.memberId === st.leaderId);
      return at < 0 ? null : (live[at]?.i ?? null);
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await Promise.all(members.map((_, i) => cluster.killMember(i)));
      await rm(root, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + ETCD_READY_TIMEOUT_MS;
  for (;;) {
    const states = await Promise.all(members.map((m) => healthy(m.clientUrl)));
    if (states.every(Boolean)) return cluster;
    const dead = members.find((m) => m.process !== null && m.process.exitCode !== null);
    if (dead !== undefined || Date.now() > deadline) {
      const logs = members.map((m) => `--- ${m.name}\n${m.log.slice(-3_000)}`).join('\n');
      await cluster.stop();
      throw new Error(`etcd cluster of ${size} did not become healthy within ${ETCD_READY_TIMEOUT_MS} ms\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
