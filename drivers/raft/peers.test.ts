// The peer network in the simulated world: what a link does when its connect hangs, and when
// the peer it waits to redial connects in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { World } from '../../sim/world.js';
import { PeerNetwork, type PeerEvent, type PeerNetworkOptions } from './peers.js';
import {
  peerTimingsForElectionTimeout,
  RAFT_PEER_CONNECT_TIMEOUT_MS,
  RAFT_PEER_CONNECT_TIMEOUT_MS_MIN,
  RAFT_PEER_RECONNECT_BACKOFF_MS_MAX,
  RAFT_PEER_TIMINGS_ELECTION_TIMEOUT_DIVISOR,
} from './limits.js';

type Timings = Pick<PeerNetworkOptions, 'connectTimeoutMs' | 'reconnectBackoffMsMax'>;

/** Two peer networks a (id 1) and b (id 2), each the other's only peer, added but not started; a's events recorded. */
function twoPeers(seed: number, keepTrace: boolean, timings: Timings = {}): { world: World; events: Array<{ t: number; event: PeerEvent }> } {
  const world = new World({ seed, trace: { keep: keepTrace } });
  const events: Array<{ t: number; event: PeerEvent }> = [];
  const add = (name: string, selfId: number, peerId: number, peerHost: string): void => {
    world.addNode({
      name,
      program: async ({ transport, clock, random, host }) => {
        await PeerNetwork.start({
          transport,
          clock,
          random,
          selfId,
          clusterId: 1,
          listen: { host, port: 50552 },
          peers: new Map([[peerId, { host: peerHost, port: 50552 }]]),
          onMessage: () => {},
          ...timings,
          onEvent: (event) => {
            if (name === 'a') events.push({ t: world.nowMs, event });
          },
        });
      },
      start: false,
    });
  };
  add('a', 1, 2, 'b');
  add('b', 2, 1, 'a');
  return { world, events };
}

describe('PeerNetwork', () => {
  it('abandons a connect whose SYN was lost and reconnects soon after the network heals (3-node simulator seed 30)', async () => {
    const { world, events } = twoPeers(7, false);
    world.start('b');
    await world.runFor(10);
    // a's first connect to b is lost (a → b blocked); the partition heals 50 ms later.
    world.partition(['a'], ['b'], { oneWay: true });
    world.start('a');
    world.after(50, () => world.heal(), 'test.heal');
    await world.runFor(1_500);
    const connected = events.find((e) => e.event.kind === 'peer-connected');
    expect(connected, JSON.stringify(events)).toBeDefined();
    // The transport's own connect timeout (2 s, the kernel's is minutes) would have kept the link
    // down well past this: the link gave up after RAFT_PEER_CONNECT_TIMEOUT_MS and tried again.
    expect(connected?.t ?? Infinity).toBeLessThan(10 + RAFT_PEER_CONNECT_TIMEOUT_MS + 600);
  });
});

describe('PeerNetwork reconnects to a peer that says hello', () => {
  it('a link waiting in its reconnect backoff redials at once when the peer connects in (paxos 3-node simulator seed 1621)', async () => {
    const { world, events } = twoPeers(11, true);
    // b is down: a's connects are refused, and its backoff grows to the maximum.
    world.start('a');
    await world.runFor(3_000);
    const refusals = (): number => world.trace.entries().filter((e) => e.kind === 'net.connect_failed').length;
    // Start b right after one of a's refused connects: a's link then waits at least half the
    // maximum backoff (250 ms) before its next attempt, unless b's hello redials it.
    const before = refusals();
    while (refusals() === before) await world.runFor(1);
    expect(events.some((e) => e.event.kind === 'peer-connected')).toBe(false);
    const bStartedMs = world.nowMs;
    world.start('b');
    await world.runFor(1_000);
    const connected = events.find((e) => e.event.kind === 'peer-connected');
    expect(connected, JSON.stringify(events)).toBeDefined();
    expect((connected?.t ?? Infinity) - bStartedMs).toBeLessThan(RAFT_PEER_RECONNECT_BACKOFF_MS_MAX / 4);
  });
});

describe('peer timings derived from the election timeout', () => {
  it('keep connect timeout + reconnect-backoff cap below one election timeout, within the fixed bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: RAFT_PEER_CONNECT_TIMEOUT_MS_MIN * RAFT_PEER_TIMINGS_ELECTION_TIMEOUT_DIVISOR, max: 2 ** 40 }), (electionTimeoutMs) => {
        const t = peerTimingsForElectionTimeout(electionTimeoutMs);
        expect(t.connectTimeoutMs + t.reconnectBackoffMsMax).toBeLessThan(electionTimeoutMs);
        expect(t.connectTimeoutMs).toBeGreaterThanOrEqual(RAFT_PEER_CONNECT_TIMEOUT_MS_MIN);
        expect(t.connectTimeoutMs).toBeLessThanOrEqual(RAFT_PEER_CONNECT_TIMEOUT_MS);
        expect(t.reconnectBackoffMsMax).toBeLessThanOrEqual(RAFT_PEER_RECONNECT_BACKOFF_MS_MAX);
      }),
    );
  });

  it('refuses a connect timeout below the minimum with a typed error', async () => {
    const world = new World({ seed: 1, trace: { keep: false } });
    let failure: unknown = null;
    world.addNode({
      name: 'a',
      program: async ({ transport, clock, random, host }) => {
        try {
          await PeerNetwork.start({ transport, clock, random, selfId: 1, clusterId: 1, listen: { host, port: 50552 }, peers: new Map(), onMessage: () => {}, connectTimeoutMs: 1 });
        } catch (e) {
          failure = e;
        }
      },
    });
    await world.runFor(10);
    expect(String(failure)).toMatch(/INVALID_CONFIG/);
  });
});

describe('PeerNetwork after a partition heals', () => {
  /** ms from the heal until a's link to b is up again; both directions were cut for 2 s first. */
  async function reconnectAfterHealMs(seed: number, healOffsetMs: number, timings: Timings): Promise<number> {
    const { world, events } = twoPeers(seed, false, timings);
    world.partition(['a'], ['b']);
    world.start('a');
    world.start('b');
    // Long enough for the backoff to reach its cap, then the heal at some point of a cycle.
    await world.runFor(2_000 + healOffsetMs);
    world.heal();
    const healedMs = world.nowMs;
    await world.runFor(3_000);
    const connected = events.find((e) => e.event.kind === 'peer-connected' && e.t >= healedMs);
    return (connected?.t ?? Infinity) - healedMs;
  }

  it('redials within one election timeout of the heal with the timings of that election timeout (paxos 3-node simulator seed 1621)', async () => {
    const electionTimeoutMs = 300;
    const timings = peerTimingsForElectionTimeout(electionTimeoutMs);
    let worst = 0;
    for (let offset = 0; offset < 600; offset += 23) worst = Math.max(worst, await reconnectAfterHealMs(5 + offset, offset, timings));
    expect(worst).toBeLessThan(electionTimeoutMs);
  });

  it('the fixed defaults (500 ms connect timeout, 500 ms backoff cap) can keep it down past a 300 ms election timeout', async () => {
    let worst = 0;
    for (let offset = 0; offset < 600; offset += 23) worst = Math.max(worst, await reconnectAfterHealMs(5 + offset, offset, {}));
    expect(worst).toBeGreaterThan(300);
  });
});
