// Regressions the swarm found in the product code, each pinned by a directed scenario and by the
// seed that found it.
import { describe, expect, it } from 'vitest';
import { FileDriver } from '../../drivers/file/file-driver.js';
import { decodeHighWaterRecord, encodeHighWaterRecord } from '../../core/records/high-water.js';
import { World } from '../world.js';
import { runSeed } from './cluster.js';
import { familiesOn } from './options.js';
import { collectReach } from './reach.js';

describe('FileDriver.open makes what it loaded durable (swarm: durability profile, seed 43)', () => {
  it('publishes no high-water that a power loss could take back after a kill -9 between rename and directory sync', async () => {
    const world = new World({ seed: 1, trace: { keep: false } });
    world.addNode({ name: 'tso', start: false });
    const disk = world.node('tso').disk;
    disk.preload({ '/data/state': encodeHighWaterRecord(100) });
    // A process renames a new record into place and is killed before it syncs the directory.
    world.start('tso', async ({ disk: port }) => {
      await port.writeFile('/data/state.tmp', encodeHighWaterRecord(200));
      await port.fsync('/data/state.tmp');
      await port.rename('/data/state.tmp', '/data/state');
    });
    await world.run();
    world.crash('tso', { keepPageCache: true });
    let loaded = -1;
    world.start('tso', async ({ disk: port }) => {
      const driver = await FileDriver.open(port, '/data');
      loaded = driver.durableHighWaterMs;
    });
    await world.run();
    expect(loaded).toBe(200);
    // What the driver calls durable is on the disk durably.
    const durable = disk.inspect().durable.files.get('/data/state');
    expect(durable === undefined ? null : decodeHighWaterRecord(durable)).toBe(200);
  });

  it('the seed that found it now passes', async () => {
    const report = await runSeed({ seed: 43, profile: 'durability', planted: null });
    expect(report.violations).toEqual([]);
    expect(report.result).toBe('ok');
  });
});

describe('the single-node harness: a refusal to start is expected after an injected disk-full', () => {
  // Seed 2615 found it; the rare-path draws moved it to seed 401; the journal's zero fill took
  // it off every seed of 1..1800 (a torn tail at open is rarer inside a fill). The path itself
  // is pinned without the swarm in drivers/file/file-driver.test.ts ("refuses to start when
  // cutting a torn tail fails"); seed 401 stays as a passing seed.
  it('single-node seed 401 passes (it ran a failed cut of a torn journal tail before the zero fill)', async () => {
    const { result: report } = await collectReach(() => runSeed({ seed: 401, profile: 'swarm', planted: null }));
    expect(report.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
  }, 120_000);
});

describe('bugs the Raft cluster swarm found, pinned by the seeds that found them', () => {
  const seeds: ReadonlyArray<{ seed: number; profile: 'swarm' | 'planted:skipFenceLinearizedLoad'; what: string; nodes?: number; supersedes?: true }> = [
    { seed: 30, profile: 'swarm', what: 'a peer connect lost to a partition hung for the kernel connect timeout; the only quorum link stayed down (RAFT_PEER_CONNECT_TIMEOUT_MS)' },
    { seed: 269, profile: 'swarm', what: "a snapshot taken while a leader's InstallSnapshot arrived tripped compact_within_applied" },
    // The swarm's draws changed since 269 found it (followerPowerLoss), and again when the
    // client's request ids and retries changed (463 ran it until then), and again when the WAL
    // moved to an open append handle (fewer disk operations, other latency draws: 752 ran it
    // until then, and 581 until the lease and Paxos merges of 2026-12-04, and 35 until the peer
    // links redialed on a hello); 117 runs the race today (and 269, 410), and the check below
    // fails when a change of the swarm takes it away from this seed too.
    { seed: 117, profile: 'swarm', supersedes: true, what: "a leader's InstallSnapshot overtakes a snapshot the node is writing: superseded, not compacted to" },
    { seed: 284, profile: 'swarm', what: 'a WAL whose last partial sector never landed was refused as corrupt' },
    { seed: 541, profile: 'swarm', what: "a WAL whose last record's first sector never landed was refused as corrupt" },
    { seed: 4023, profile: 'swarm', what: 'a WAL only the page cache held (its directory sync had failed) vanished at a power loss; its node voted in a leader without a committed entry' },
    { seed: 3477, profile: 'swarm', what: 'the run was declared converged on a lease from before the faults stopped, while the leader could not yet commit' },
    { seed: 425, nodes: 5, profile: 'swarm', what: 'a WAL whose snapshot marker was lost (its append failed) and that went on after it refused to replay' },
    { seed: 624, nodes: 5, profile: 'swarm', what: 'the same, with the gap before a newer snapshot marker' },
    { seed: 27, profile: 'planted:skipFenceLinearizedLoad', what: 'with a 1 ms window, extensions aimed at stale clock samples left callers with INTERNAL' },
    { seed: 362, profile: 'swarm', what: "the leader's wall clock stepped back revived a stamping lease it had left out of a frontier as expired: the frontier went back (leases are judged on a ratcheted clock now)" },
    { seed: 877, nodes: 5, profile: 'swarm', what: "a power loss cut a follower's append at a sector edge after its hard state, whose commit covered the entries the append overwrote: the restarted follower applied its deposed leader's entries (the commit is logged after such entries now)" },
    { seed: 362, nodes: 1, profile: 'swarm', what: 'a restart on a wall clock stepped back revived a stamping lease a frontier had left out as expired: the frontier went back (an expired lease binds until a durable write drops it now)' },
  ];
  for (const { seed, profile, what, nodes = 3, supersedes } of seeds) {
    it(`${nodes}-node seed ${seed} (${profile}) passes: ${what}`, async () => {
      const report = await runSeed({ seed, profile, planted: null, nodes });
      expect(report.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
      expect(report.result).toBe('ok');
      if (supersedes === true) expect(report.stats.raft?.snapshotsSuperseded, 'the seed still runs the race').toBeGreaterThan(0);
    }, 120_000);
  }
});

describe('the damage families and the long session (issue 13), pinned by the seeds that failed when they were first merged', () => {
  // Bit rot or a misdirected write drawn on the journal's last record read as a torn tail: the
  // record was cut and an acknowledged block granted again (seq_overlap). The disk model now
  // damages only bytes a later durable write vouches for (sim/disk.ts, docs/simulator.md
  // "Damage at rest"); sim/disk.test.ts pins the rule itself.
  const damage: ReadonlyArray<{ seed: number; what: string }> = [
    { seed: 692, what: 'bit rot took the last journal record: seq_overlap' },
    { seed: 747, what: 'bit rot or a misdirected write took the last journal record: seq_overlap' },
  ];
  for (const { seed, what } of damage) {
    it(`1-node seed ${seed} passes with bit rot drawn: ${what}`, async () => {
      const report = await runSeed({ seed, profile: 'swarm', planted: null, nodes: 1 });
      expect(familiesOn(report.options), 'the seed still draws bit rot').toContain('diskBitRot');
      expect(report.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
      expect(report.result).toBe('ok');
    }, 120_000);
  }
  // Two of the voters of the newest membership refused to start on damaged WAL records: no
  // quorum could serve, which is correct, but the liveness waiver counted every node the run had
  // ever named (removed voters and unused spares among them) and reported liveness_not_converged.
  // First pinned by seed 8 (voters n1, n2, n4; n1 and n4 refusing), which the netCorrupt draws of
  // 2026-12-05 moved; seed 188 ends the same way with four voters, two of them refusing.
  it('3-node membership seed 188 passes: the liveness waiver counts the voters of the newest membership', async () => {
    const report = await runSeed({ seed: 188, profile: 'membership', planted: null, nodes: 3 }, { keepTrace: true });
    expect(report.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
    expect(report.result).toBe('ok');
    const waived = report.trace.entries().find((e) => e.kind === 'check.liveness_waived');
    expect(waived?.details, 'the seed still ends with two damaged voters').toMatchObject({ voters: ['n1', 'n2', 'n3', 'n4'], refusing: ['n1', 'n4'] });
  }, 120_000);
  // The long session's 8-24 callers at the run's 20 ms / 40 ms timeouts got no answer from a
  // leader whose commits took longer (liveness_no_progress); it now waits at least 500 ms an attempt.
  for (const seed of [334, 357]) {
    it(`3-node seed ${seed} passes with a long session drawn: liveness_no_progress of the long session`, async () => {
      const report = await runSeed({ seed, profile: 'swarm', planted: null, nodes: 3 });
      expect(report.options.rare.longSession, 'the seed still draws the long session').toBeDefined();
      expect(report.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
      expect(report.result).toBe('ok');
    }, 120_000);
  }
});
