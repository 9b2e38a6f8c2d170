// Parsing of the stress options: defaults, durations, refusals (usage errors never exit), and the
// free-port picker the cluster uses.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseStressArgs, STRESS_CHAOS_INTERVAL_MS_DEFAULT, STRESS_DURATION_MS_DEFAULT } from './options.js';
import { ephemeralPortLow, pickFreePorts, PORT_RANGE_LOW } from './ports.js';

describe('parseStressArgs', () => {
  it('defaults to a 3-node raft cluster for 60 s with a drawn seed', () => {
    const parsed = parseStressArgs([], () => 42);
    expect(parsed).toEqual({
      ok: true,
      options: {
        driver: 'raft',
        nodes: 3,
        durationMs: STRESS_DURATION_MS_DEFAULT,
        chaosIntervalMs: STRESS_CHAOS_INTERVAL_MS_DEFAULT,
        seed: 42,
        clients: 4,
        json: false,
        keepData: false,
        electionTimeoutMs: null,
        heartbeatIntervalMs: null,
        injectViolation: null,
        replacements: false,
        etcdQuorumLoss: false,
      },
    });
  });

  it('takes --etcd-quorum-loss with the etcd driver only', () => {
    const etcd = parseStressArgs(['--driver', 'etcd', '--etcd-quorum-loss'], () => 0);
    expect(etcd.ok && etcd.options.etcdQuorumLoss).toBe(true);
    for (const driver of ['raft', 'paxos', 'file']) {
      const refused = parseStressArgs(['--driver', driver, '--etcd-quorum-loss'], () => 0);
      expect(refused.ok === false && refused.exitCode === 2 && /--etcd-quorum-loss needs --driver etcd, not/.test(refused.message), driver).toBe(true);
    }
  });

  it('takes --replacements with the raft driver only', () => {
    const raft = parseStressArgs(['--replacements'], () => 0);
    expect(raft.ok && raft.options.replacements).toBe(true);
    for (const driver of ['paxos', 'file', 'etcd']) {
      const refused = parseStressArgs(['--driver', driver, '--replacements'], () => 0);
      expect(refused.ok === false && refused.exitCode === 2 && /--replacements needs --driver raft/.test(refused.message), driver).toBe(true);
    }
  });

  it('reads every flag', () => {
    const parsed = parseStressArgs(
      ['--nodes', '5', '--duration', '600s', '--chaos-interval', '1.5s', '--seed', '9', '--clients', '8', '--json', '--keep-data', '--election-timeout', '400ms', '--heartbeat-interval', '40', '--inject-violation', 'wipe-data'],
      () => 0,
    );
    expect(parsed.ok && parsed.options).toMatchObject({ nodes: 5, durationMs: 600_000, chaosIntervalMs: 1_500, seed: 9, clients: 8, json: true, keepData: true, electionTimeoutMs: 400, heartbeatIntervalMs: 40, injectViolation: 'wipe-data' });
    const file = parseStressArgs(['--driver', 'file'], () => 0);
    expect(file.ok && file.options.nodes).toBe(1);
    const paxos = parseStressArgs(['--driver', 'paxos', '--nodes', '5'], () => 0);
    expect(paxos.ok && paxos.options).toMatchObject({ driver: 'paxos', nodes: 5 });
    const etcd = parseStressArgs(['--driver', 'etcd'], () => 0);
    expect(etcd.ok && etcd.options).toMatchObject({ driver: 'etcd', nodes: 3 });
  });

  it('refuses bad values as usage errors (exit 2) without exiting', () => {
    for (const args of [['--nodes', '4'], ['--duration', 'soon'], ['--clients', '0'], ['--chaos-interval', '10ms'], ['--seed', '-1'], ['--driver', 'zookeeper'], ['--inject-violation', 'everything'], ['--what']]) {
      const parsed = parseStressArgs(args, () => 0);
      expect(parsed.ok, args.join(' ')).toBe(false);
      if (!parsed.ok) expect(parsed.exitCode, args.join(' ')).toBe(2);
    }
    const help = parseStressArgs(['--help'], () => 0);
    expect(help.ok === false && help.exitCode === 0 && /--chaos-interval/.test(help.message)).toBe(true);
  });

  it('parses durations with units', () => {
    expect([parseDurationMs('250ms'), parseDurationMs('3s'), parseDurationMs('2m'), parseDurationMs('1h'), parseDurationMs('75')]).toEqual([250, 3_000, 120_000, 3_600_000, 75]);
    expect(() => parseDurationMs('0s')).toThrow(/positive/);
  });
});

describe('pickFreePorts', () => {
  it('returns distinct bindable ports below the ephemeral range', async () => {
    const ports = await pickFreePorts(9, Math.random);
    expect(new Set(ports).size).toBe(9);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(PORT_RANGE_LOW);
      expect(port).toBeLessThan(ephemeralPortLow());
    }
    // Free again after the pick: each one binds.
    for (const port of ports) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('skips a port that is taken', async () => {
    const taken = await pickFreePorts(1, Math.random);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(taken[0], '127.0.0.1', resolve));
    try {
      // A PRNG that offers the taken port first, then others.
      let first = true;
      const low = ephemeralPortLow();
      const random = (): number => {
        if (first) {
          first = false;
          return ((taken[0] ?? 0) - PORT_RANGE_LOW + 0.5) / (low - PORT_RANGE_LOW);
        }
        return Math.random();
      };
      const ports = await pickFreePorts(2, random);
      expect(ports).not.toContain(taken[0]);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
