import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/errors.js';
import type { Connection } from '../drivers/ports.js';
import type { NodePorts, Program } from './process.js';
import { World, type WorldOptions } from './world.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

/**
 * A small gossip program exercising every port: it listens, dials random peers, sends pings on
 * random timers, appends what it hears to a log (fsyncing now and then) and answers.
 */
function gossip(peers: readonly string[]): Program {
  return async (ports: NodePorts) => {
    const { disk, transport, clock, rng } = ports;
    await disk.mkdirp('/data');
    const lock = await disk.lock('/data/LOCK');
    const before = await disk.read('/data/log');
    ports.trace('gossip.recovered', { bytes: before?.length ?? 0 });
    const conns = new Map<string, Connection>();
    const listener = await transport.listen({ host: ports.host, port: 4000 }, (c) => {
      c.setHandlers({
        onFrame: (body) => {
          disk
            .append('/data/log', body)
            .then(async () => {
              if (rng.chance(1, 3)) await disk.fsync('/data/log');
              c.send(text(`ack:${body.length}`));
            })
            .catch((error: unknown) => ports.trace('gossip.disk_error', { error: String(error) }));
        },
        onClose: () => {},
      });
    });
    let stopped = false;
    const tick = (): void => {
      if (stopped) return;
      const peer = rng.pick(peers.filter((p) => p !== ports.node));
      const existing = conns.get(peer);
      const message = text(`${ports.node}@${clock.wallMs()}:${rng.int(0, 1e6)}`);
      if (existing !== undefined) existing.send(message);
      else {
        transport.connect({ host: peer, port: 4000 }).then(
          (c) => {
            conns.set(peer, c);
            c.setHandlers({ onFrame: () => {}, onClose: () => conns.delete(peer) });
            c.send(message);
          },
          () => {},
        );
      }
      clock.setTimer(rng.int(5, 50), tick);
    };
    clock.setTimer(rng.int(0, 20), tick);
    return {
      stop: async () => {
        stopped = true;
        await listener.close();
        await lock.release();
      },
    };
  };
}

async function gossipRun(seed: number, options: Partial<WorldOptions> = {}): Promise<World> {
  const names = ['n1', 'n2', 'n3'];
  const world = new World({
    seed,
    network: { faults: { loss: { rate: [1, 200] }, corrupt: { rate: [1, 100] } } },
    disk: { faults: { crashTorn: { rate: [1, 2] }, crashDirOpsVanish: { rate: [1, 2] }, fsyncFail: { rate: [1, 100], budget: 3 } } },
    ...options,
  });
  for (const name of names) world.addNode({ name, program: gossip(names), clock: { driftPpm: world.rng.fork(`drift/${name}`).int(-100, 100) } });
  world.at(700, () => world.crash('n2'));
  world.at(900, () => world.restart('n2'));
  world.at(1_200, () => world.partition(['n1'], ['n3'], { oneWay: true }));
  world.at(1_500, () => world.clockStep('n3', -2_000));
  world.at(1_700, () => world.pause('n1', 300));
  world.at(2_000, () => world.heal());
  const report = await world.run({ untilMs: 3_000 });
  expect(report.failures).toEqual([]);
  return world;
}

describe('World determinism', () => {
  it('gives the same trace hash for the same seed, twice, with every port and fault in play', async () => {
    const a = await gossipRun(42);
    const b = await gossipRun(42);
    expect(a.trace.count).toBeGreaterThan(1_000);
    expect(b.trace.hash).toBe(a.trace.hash);
    expect(b.trace.lines()).toEqual(a.trace.lines());
    const kinds = new Set(a.trace.entries().map((e) => e.kind));
    for (const kind of ['net.deliver', 'disk.append', 'disk.fsync', 'timer', 'process.crash', 'process.start']) expect(kinds).toContain(kind);
  });

  it('gives different trace hashes for different seeds', async () => {
    const hashes = new Set<string>();
    for (const seed of [1, 2, 3]) hashes.add((await gossipRun(seed)).trace.hash);
    expect(hashes.size).toBe(3);
  });

  it('gives the same hash with a hash-only trace', async () => {
    const kept = await gossipRun(7);
    const hashOnly = await gossipRun(7, { trace: { keep: false } });
    expect(hashOnly.trace.hash).toBe(kept.trace.hash);
    expect(hashOnly.trace.lines()).toEqual([]);
  });
});

describe('World processes', () => {
  it('a crash leaves pending operations uncompleted; the restart sees only durable data', async () => {
    const world = new World({ seed: 1, disk: { latency: { data: { minUs: 1_000, maxUs: 1_000 }, sync: { minUs: 1_000, maxUs: 1_000 } } } });
    const seen: Array<{ incarnation: number; durable: string | null; volatile: string | null }> = [];
    const completions: string[] = [];
    world.addNode({
      name: 'n1',
      program: async ({ disk, incarnation }) => {
        seen.push({ incarnation, durable: str(await disk.read('/durable')), volatile: str(await disk.read('/volatile')) });
        await disk.writeFile('/durable', text(`d${incarnation}`));
        await disk.fsync('/durable');
        await disk.fsyncDir('/');
        await disk.writeFile('/volatile', text(`v${incarnation}`));
        void disk.fsync('/volatile').then(() => completions.push(`fsync ${incarnation}`));
        return {};
      },
    });
    // Run until the last fsync is in flight, then crash.
    await world.runUntil(() => world.node('n1').disk.inspect().volatile.files.has('/volatile'));
    world.crash('n1');
    await world.run();
    expect(completions).toEqual([]);
    world.start('n1');
    await world.run();
    expect(seen).toEqual([
      { incarnation: 1, durable: null, volatile: null },
      { incarnation: 2, durable: 'd1', volatile: '' },
    ]);
    expect(completions).toEqual(['fsync 2']);
  });

  it('a plain process kill keeps the page cache; a graceful shutdown calls stop and closes cleanly', async () => {
    const world = new World({ seed: 2 });
    let stops = 0;
    const closes: Array<{ code: string } | undefined> = [];
    world.addNode({
      name: 'srv',
      program: async ({ disk, transport }) => {
        await disk.writeFile('/unsynced', text('kept'));
        await disk.lock('/LOCK');
        await transport.listen({ host: 'srv', port: 1 }, () => {});
        return { stop: async () => void stops++ };
      },
    });
    world.addNode({
      name: 'cli',
      program: async ({ transport }) => {
        const c = await transport.connect({ host: 'srv', port: 1 });
        c.setHandlers({ onFrame: () => {}, onClose: (r) => closes.push(r) });
        return {};
      },
    });
    await world.run();
    world.crash('srv', { keepPageCache: true });
    expect(str(world.node('srv').disk.inspect().volatile.files.get('/unsynced') ?? null)).toBe('kept');
    expect(world.node('srv').disk.isLocked('/LOCK')).toBe(false);
    await world.run();
    expect(closes[0]?.code).toBe(ErrorCode.TRANSPORT);
    world.start('srv');
    await world.run();
    world.restart('cli'); // dials the new server incarnation
    expect((await world.run()).failures).toEqual([]);
    const exited = world.shutdown('srv');
    await world.run();
    await exited;
    expect(stops).toBe(1);
    expect(world.node('srv').status).toBe('down');
    expect(world.node('srv').disk.isLocked('/LOCK')).toBe(false);
    expect(closes).toHaveLength(2);
    expect(closes[1]).toBeUndefined(); // the kernel closed the exiting process's socket with a FIN
  });

  it('a pause defers the node’s timers while its clock keeps running, then they fire at the resume', async () => {
    const world = new World({ seed: 3 });
    const ticks: Array<{ t: number; mono: number }> = [];
    world.addNode({
      name: 'n1',
      program: async ({ clock }) => {
        const tick = (): void => {
          ticks.push({ t: world.nowMs, mono: clock.monotonicMs() });
          clock.setTimer(100, tick);
        };
        clock.setTimer(100, tick);
        return {};
      },
    });
    world.at(250, () => world.pause('n1', 1_000));
    await world.run({ untilMs: 1_500 });
    const times = ticks.map((x) => x.t);
    expect(times.slice(0, 3)).toEqual([100, 200, 1_250]); // nothing ran in (250, 1250)
    const jump = (ticks[2]?.mono ?? 0) - (ticks[1]?.mono ?? 0);
    expect(jump).toBe(1_050); // the clock went on during the pause
    expect(times.slice(3)).toEqual([1_350, 1_450]);
  });

  it('stops the run on an exception escaping a program, or crashes just that node when asked', async () => {
    const boom = (): Program => async ({ clock }) => {
      clock.setTimer(10, () => {
        throw new Error('bug in program');
      });
      return {};
    };
    const strict = new World({ seed: 4 });
    strict.addNode({ name: 'n1', program: boom() });
    const report = await strict.run();
    expect(report.reason).toBe('failed');
    expect((report.error as Error).message).toBe('bug in program');
    expect(report.failures).toHaveLength(1);

    const lenient = new World({ seed: 4, onUncaught: 'crash-node' });
    lenient.addNode({ name: 'n1', program: boom() });
    let later = false;
    lenient.at(50, () => (later = true));
    const out = await lenient.run();
    expect(out.reason).toBe('idle');
    expect(later).toBe(true);
    expect(lenient.node('n1').status).toBe('down');
    expect(out.failures.map((f) => f.node)).toEqual(['n1']);
  });

  it('a program whose start rejects is recorded as failed and stops the run', async () => {
    const world = new World({ seed: 5 });
    world.addNode({
      name: 'n1',
      program: async ({ disk }) => {
        await disk.read('/x');
        throw new Error('cannot start');
      },
    });
    const report = await world.run();
    expect(report.reason).toBe('failed');
    expect(world.node('n1').status).toBe('down');
  });

  it('reports a stalled run when the queue is empty while work is pending', async () => {
    const world = new World({ seed: 6 });
    world.addNode({ name: 'hung', program: () => new Promise(() => {}) });
    world.addNode({ name: 'ok', program: async () => ({}) });
    await world.run();
    world.pause('ok');
    world.addPendingProbe(() => 'client request 17 outstanding');
    const report = await world.run();
    expect(report.reason).toBe('stalled');
    expect(report.pending).toEqual(['hung#1 is still starting', 'ok#1 is paused with 0 deferred events', 'client request 17 outstanding']);
  });

  it('steps, stalls and drifts a node’s wall clock independently of the others', async () => {
    const world = new World({ seed: 7, clock: { epochMs: 1_000_000 } });
    for (const name of ['a', 'b']) world.addNode({ name, program: async () => ({}) });
    await world.run();
    world.clockStep('a', -500);
    world.clockDrift('b', 100_000);
    await world.run({ untilMs: 1_000 });
    expect(world.portsOf('a').clock.wallMs()).toBe(1_000_500);
    expect(world.portsOf('b').clock.wallMs()).toBe(1_001_100);
    world.clockStall('a', 100);
    await world.run({ untilMs: 1_050 });
    expect(world.portsOf('a').clock.wallMs()).toBe(1_000_500);
  });

  it('gives a restarted process a fresh monotonic origin while the wall clock goes on', async () => {
    const world = new World({ seed: 8, clock: { epochMs: 5_000_000 } });
    world.addNode({ name: 'n1', program: async () => ({}) });
    await world.run();
    const mono1 = world.portsOf('n1').clock.monotonicMs();
    world.restart('n1');
    await world.run({ untilMs: 10 });
    expect(world.portsOf('n1').clock.monotonicMs()).not.toBe(mono1 + 10);
    expect(world.portsOf('n1').clock.wallMs()).toBe(5_000_010);
  });
});
