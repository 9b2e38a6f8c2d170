// The etcd cluster of `npm run stress -- --driver etcd`: three real etcd members (Debian's
// etcd-server, binary `etcd`) on loopback ports, each with a data directory and a log under the
// stress run's root, and the etcd half of the chaos: kill -9 of one member at a time, restarted
// from its data directory after a short delay (the cluster keeps its quorum throughout); with
// --etcd-quorum-loss every second action kills two members at once and restarts both after the
// same delay (etcd has no quorum meanwhile: the tsoracle nodes must stop serving, then resume).
//
// Invariants:
//   - At most one member is down at a time (a 3-member cluster keeps a quorum of 2), except in a
//     quorum-loss action (--etcd-quorum-loss): then exactly two, and both restart together.
//   - Without --etcd-quorum-loss the chaos draws exactly what it drew before the option existed,
//     so a seed replays the same member kills.
//   - Every wait is bounded: the cluster's start (/health of every member), a member's exit.
//   - `killAllSync()` SIGKILLs every member still alive (the entry calls it on exit); `stop()`
//     kills them and waits; nothing but the members it spawned is ever signalled.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pickFreePorts } from './stress/ports.js';

export const STRESS_ETCD_MEMBERS = 3;
export const STRESS_ETCD_READY_TIMEOUT_MS = 30_000;
/** A killed member comes back after a delay drawn in this range. */
export const STRESS_ETCD_RESTART_DELAY_MS: readonly [number, number] = [500, 3_000];
/** Mean time between two member kills (drawn uniformly in [½, 1½] of it). */
export const STRESS_ETCD_KILL_INTERVAL_MS = 15_000;

interface Member {
  readonly name: string;
  readonly args: readonly string[];
  readonly clientUrl: string;
  readonly logPath: string;
  child: ChildProcess | null;
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

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class StressEtcd {
  /** Member kills and restarts done by `runChaos`. */
  readonly counts = { kill_etcd_member: 0, restart_etcd_member: 0, etcd_quorum_loss: 0 };
  private stopped = false;

  private constructor(private readonly members: Member[]) {}

  /** Client URLs, comma-separated (what `serve etcd --etcd-endpoints` takes). */
  get endpoints(): string {
    return this.members.map((m) => m.clientUrl).join(',');
  }

  get pids(): number[] {
    return this.members.flatMap((m) => (m.child?.pid === undefined ? [] : [m.child.pid]));
  }

  /** Starts the members under `rootDir/etcd`; resolves once every member is healthy. */
  static async start(rootDir: string, random: () => number, log: (line: string) => void): Promise<StressEtcd> {
    const ports = await pickFreePorts(2 * STRESS_ETCD_MEMBERS, random);
    const dir = join(rootDir, 'etcd');
    await mkdir(dir, { recursive: true });
    const names = Array.from({ length: STRESS_ETCD_MEMBERS }, (_, i) => `e${i + 1}`);
    const peerUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1]}`;
    const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
    const members = names.map((name, i): Member => {
      const clientUrl = `http://127.0.0.1:${ports[2 * i]}`;
      // Once a member's data directory exists etcd ignores the --initial-* flags: a restart reuses them.
      const args = [
        '--name', name,
        '--data-dir', join(dir, name),
        '--listen-client-urls', clientUrl,
        '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrl(i),
        '--initial-advertise-peer-urls', peerUrl(i),
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `tsoracle-stress-${ports[0]}`,
        '--heartbeat-interval', '100',
        '--election-timeout', '1000',
        '--log-outputs', 'stderr',
      ];
      return { name, args, clientUrl, logPath: join(dir, `${name}.log`), child: null };
    });
    const etcd = new StressEtcd(members);
    members.forEach((_, i) => etcd.spawnMember(i));
    const deadline = performance.now() + STRESS_ETCD_READY_TIMEOUT_MS;
    while (!(await Promise.all(members.map((m) => healthy(m.clientUrl)))).every(Boolean)) {
      if (performance.now() > deadline) {
        await etcd.stop();
        throw new Error(`the stress run's etcd cluster did not become healthy within ${STRESS_ETCD_READY_TIMEOUT_MS} ms (logs in ${dir})`);
      }
      await sleepMs(100);
    }
    log(`stress: etcd cluster of ${STRESS_ETCD_MEMBERS} up at ${etcd.endpoints}`);
    return etcd;
  }

  private spawnMember(index: number): void {
    const member = this.members[index] as Member;
    const logFd = openSync(member.logPath, 'a');
    try {
      member.child = spawn('etcd', [...member.args], { stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
  }

  private async killMember(index: number): Promise<void> {
    const member = this.members[index] as Member;
    const child = member.child;
    if (child === null) return;
    member.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await Promise.race([exited, sleepMs(10_000)]);
  }

  /**
   * For `durationMs` or until `stopped()`: kill -9 one member, restart it, again. With
   * `quorumLoss`, every second action kills a second member too (drawn among the two others),
   * restarts both after the delay, and awaits `onQuorumRestored` before the next action.
   */
  async runChaos(
    durationMs: number,
    stopped: () => boolean,
    random: () => number,
    log: (line: string) => void,
    quorumLoss = false,
    onQuorumRestored: () => Promise<void> = () => Promise.resolve(),
  ): Promise<void> {
    const untilMs = performance.now() + durationMs;
    const draw = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
    for (let action = 0; ; action++) {
      const waitMs = draw(STRESS_ETCD_KILL_INTERVAL_MS / 2, (STRESS_ETCD_KILL_INTERVAL_MS * 3) / 2);
      const wakeMs = performance.now() + waitMs;
      while (performance.now() < wakeMs && performance.now() < untilMs && !stopped() && !this.stopped) await sleepMs(100);
      if (performance.now() >= untilMs || stopped() || this.stopped) return;
      const index = draw(0, this.members.length - 1);
      const downMs = draw(STRESS_ETCD_RESTART_DELAY_MS[0], STRESS_ETCD_RESTART_DELAY_MS[1]);
      // Drawn after the single kill's draws, and only with quorumLoss: without it the draws are unchanged.
      const indexes = quorumLoss && action % 2 === 1 ? [index, (index + 1 + draw(0, this.members.length - 2)) % this.members.length] : [index];
      for (const i of indexes) await this.killMember(i);
      const names = indexes.map((i) => this.members[i]?.name).join(', ');
      if (indexes.length === 1) {
        this.counts.kill_etcd_member++;
        log(`chaos: kill_etcd_member ${names}; restart in ${downMs} ms`);
      } else {
        this.counts.etcd_quorum_loss++;
        log(`chaos: etcd_quorum_loss (kill -9 of ${names}); restart in ${downMs} ms`);
      }
      await sleepMs(downMs);
      if (this.stopped) return;
      for (const i of indexes) {
        this.spawnMember(i);
        this.counts.restart_etcd_member++;
      }
      // The next action waits until the caller saw the service back (bounded by the caller).
      if (indexes.length > 1) await onQuorumRestored();
    }
  }

  killAllSync(): void {
    for (const member of this.members) {
      member.child?.kill('SIGKILL');
      member.child = null;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.members.map((_, i) => this.killMember(i)));
  }
}
