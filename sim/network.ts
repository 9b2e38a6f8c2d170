// The simulated network: hosts (one per node) exchanging whole frames over TCP-like
// connections. `SimNetwork` holds the wiring, partitions and faults; each incarnation gets a
// `Transport` port bound to its host (`portFor`).
//
// Model and choices:
//   - A connection is two endpoints and two one-way pipes. A pipe delivers frame bodies whole
//     and in order (TCP never reorders within a connection); each frame's delivery time is the
//     send time plus a latency drawn from the sending host's stream, and never before the
//     previous frame of the same pipe. Frames of different connections interleave freely:
//     that is the reordering the protocol has to live with.
//   - Partitions (symmetric or one-way, between sets of hosts) block directions between hosts.
//     A blocked pipe holds its frames (TCP retransmits) and resumes in order when the partition
//     heals; if it stays blocked `stallResetMs`, the sending side gives up: it closes with
//     TRANSPORT "timed out" (the other side learns only when it sends, as with real TCP). A
//     connect across a blocked direction times out after `connectTimeoutMs`.
//   - Loss and duplication are connection-level faults, because TCP hides packet loss and
//     never duplicates: fault `loss` drops a frame and resets the connection (the sender sees
//     onClose at once, the receiver gets the reset after the frames in flight); fault
//     `resetAfterDelivery` delivers the frame and then resets the connection, so the sender
//     cannot know whether its request arrived — the ambiguity that makes clients retry and
//     servers see duplicates. Fault `corrupt` flips 1 bit (three strikes in four) or 2 to 8 bits of a delivered body (the length
//     prefix is intact), so the real decoders see bad bytes.
//   - close() sends a FIN behind the frames already sent; the peer gets them, then onClose.
//     A frame arriving at a closed endpoint of a live process draws a reset back (behind the
//     FIN of a graceful close, so the peer sees the clean close first, as with the Node
//     transport's linger). An empty body or one above FRAME_BODY_BYTES_MAX is a bug of the
//     sender (assertion, as in the Node transport). Fault `badLength` garbles a frame's length
//     prefix: the receiver's framer refuses it like the Node framer does (onClose with
//     FRAME_TOO_LARGE; frames the handler sends from inside that onClose are still flushed,
//     then the connection closes), which drives the servers' bad-frame paths.
//   - A crashed process's endpoints send resets (peers see onClose with TRANSPORT), its
//     listeners go away, and nothing is delivered to it any more. A paused process's
//     deliveries wait for the resume.
//   - Addresses: each node has a host name; 127.0.0.1, localhost, ::1, 0.0.0.0 and :: mean the
//     caller's own host. Port 0 binds an ephemeral port. Connecting to an address nobody
//     listens on is refused with TsoError(TRANSPORT).
//   - Every callback into a program (onConnection, onFrame, onClose, connect/listen results)
//     runs in an event owned by the receiving incarnation.
// Faults are drawn per sending host (each host its own streams and budgets), so one node's
// traffic does not move another's draws.

import { assert } from '../core/assert.js';
import { pooledCopy } from '../core/codec/pooled-bytes.js';
import { ErrorCode, TsoError } from '../core/errors.js';
import { FRAME_BODY_BYTES_MAX } from '../core/limits.js';
import {
  type Connection,
  type ConnectionHandlers,
  formatHostPort,
  type HostPort,
  type Listener,
  type Transport,
} from '../drivers/ports.js';
import type { LatencyRangeUs, LatencySpikeRule } from './disk.js';
import { type FaultGate, type FaultRule, makeGates } from './faults.js';
import {
  NETWORK_CONNECTIONS_MAX,
  NETWORK_EPHEMERAL_PORT_MAX,
  NETWORK_EPHEMERAL_PORT_MIN,
  NETWORK_LISTENERS_MAX,
  NETWORK_PIPE_BYTES_MAX,
  NETWORK_PIPE_FRAMES_MAX,
  NETWORK_UNHANDLED_FRAMES_MAX,
} from './limits.js';
import { type Incarnation, never } from './process.js';
import type { Rng } from './random.js';
import type { ScheduleOptions, Scheduler, SimEvent } from './scheduler.js';
import { fnv1a32, type Trace } from './trace.js';

export interface NetworkFaults {
  readonly loss?: FaultRule;
  readonly badLength?: FaultRule;
  readonly resetAfterDelivery?: FaultRule;
  readonly corrupt?: FaultRule;
  readonly latencySpike?: LatencySpikeRule;
}

export interface NetworkOptions {
  /** One-way latency per frame (default 100–1000 µs, this VM's loopback p50–p99). */
  readonly latency?: LatencyRangeUs;
  /** How long a connect across a blocked direction waits before failing (default 2000 ms). */
  readonly connectTimeoutMs?: number;
  /** How long a direction may stay blocked before its sender gives up (default 15000 ms). */
  readonly stallResetMs?: number;
  readonly faults?: NetworkFaults;
}

export const NETWORK_LATENCY_DEFAULT: LatencyRangeUs = { minUs: 100, maxUs: 1_000 };
export const NETWORK_CONNECT_TIMEOUT_MS_DEFAULT = 2_000;
export const NETWORK_STALL_RESET_MS_DEFAULT = 15_000;

const FAULT_FAMILIES = ['loss', 'badLength', 'resetAfterDelivery', 'corrupt', 'latencySpike'] as const;
type NetworkFaultFamily = (typeof FAULT_FAMILIES)[number];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::', '']);
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

type CloseReason = { code: string; message: string } | undefined;

type WireItem =
  | { readonly kind: 'frame'; readonly body: Uint8Array; dueMs: number; readonly badLength?: true }
  | { readonly kind: 'fin'; dueMs: number }
  | { readonly kind: 'rst'; dueMs: number };

type InboxItem = { readonly kind: 'frame'; readonly body: Uint8Array } | { readonly kind: 'close'; readonly reason: CloseReason };

/** Streams and fault gates of one sending host. */
interface HostState {
  readonly host: string;
  readonly latencyRng: Rng;
  readonly gates: Record<NetworkFaultFamily, FaultGate>;
  spikeExtra: LatencyRangeUs | undefined;
  nextPort: number;
}

class Pipe {
  readonly queue: WireItem[] = [];
  queuedBytes = 0;
  lastDueMs = 0;
  pump: SimEvent | null = null;
  stalledSinceMs: number | null = null;
  /** The pump's event function and options, made once per pipe rather than once per frame. */
  pumpFn: (() => void) | null = null;
  pumpOptions: ScheduleOptions | null = null;

  constructor(
    readonly from: Endpoint,
    readonly to: Endpoint,
  ) {}
}

class Endpoint implements Connection {
  peer!: Endpoint;
  outbound!: Pipe;
  state: 'open' | 'closing' | 'closed' = 'open';
  handlers: ConnectionHandlers | null = null;
  readonly inbox: InboxItem[] = [];
  flushScheduled = false;
  /** The receiver asked for no frames for now (pauseReading): the inbox holds them. */
  receivePaused = false;
  closeQueued = false;
  /** Set on both endpoints once the pair stopped counting as an open connection. */
  retired = false;

  constructor(
    readonly network: SimNetwork,
    readonly id: string,
    readonly owner: Incarnation,
    readonly host: string,
    readonly remote: string,
  ) {}

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    if (this.inbox.length > 0) this.network.scheduleFlush(this);
  }

  send(body: Uint8Array): void {
    if (this.state === 'closed' || this.owner.dead) return;
    if (body.length < 1 || body.length > FRAME_BODY_BYTES_MAX) assert(false, 'frame_body_within_max', () => `${body.length} bytes`);
    this.network.sendFrame(this, body);
  }

  close(): void {
    if (this.state === 'closed' || this.owner.dead) return;
    this.network.closeGracefully(this);
  }

  pauseReading(): void {
    this.receivePaused = true;
  }

  resumeReading(): void {
    if (!this.receivePaused) return;
    this.receivePaused = false;
    if (this.handlers !== null && this.inbox.length > 0) this.network.scheduleFlush(this);
  }
}

class SimListener implements Listener {
  closed = false;
  readonly accepted = new Set<Endpoint>();

  constructor(
    private readonly network: SimNetwork,
    readonly key: string,
    readonly address: HostPort,
    readonly owner: Incarnation,
    readonly onConnection: (connection: Connection) => void,
  ) {}

  close(): Promise<void> {
    return this.network.closeListener(this);
  }
}

function transportError(message: string, address: string): TsoError {
  return new TsoError(ErrorCode.TRANSPORT, message, { address });
}

function blockKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

export class SimNetwork {
  private readonly hosts = new Map<string, HostState>();
  private readonly listeners = new Map<string, SimListener>();
  private readonly endpointsByOwner = new Map<Incarnation, Set<Endpoint>>();
  private readonly blocked = new Set<string>();
  private readonly stalled = new Set<Pipe>();
  private readonly latency: LatencyRangeUs;
  private readonly connectTimeoutMs: number;
  private readonly stallResetMs: number;
  private faults: NetworkFaults;
  private connectionNext = 1;
  private openConnections = 0;
  /** Frames delivered so far. */
  framesDelivered = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    private readonly rng: Rng,
    options: NetworkOptions = {},
  ) {
    this.latency = options.latency ?? NETWORK_LATENCY_DEFAULT;
    assert(
      Number.isSafeInteger(this.latency.minUs) && this.latency.minUs >= 0 && this.latency.maxUs >= this.latency.minUs,
      'network_latency_range_valid',
    );
    this.connectTimeoutMs = options.connectTimeoutMs ?? NETWORK_CONNECT_TIMEOUT_MS_DEFAULT;
    this.stallResetMs = options.stallResetMs ?? NETWORK_STALL_RESET_MS_DEFAULT;
    this.faults = options.faults ?? {};
  }

  /** Registers a host (done by the world for each node). */
  addHost(host: string): void {
    assert(!LOOPBACK_HOSTS.has(host), 'network_host_not_loopback', host);
    if (this.hosts.has(host)) return;
    const state: HostState = {
      host,
      latencyRng: this.rng.fork(`latency/${host}`),
      gates: makeGates(FAULT_FAMILIES, this.faults, this.rng.fork(`faults/${host}`)),
      spikeExtra: this.faults.latencySpike?.extraUs,
      nextPort: NETWORK_EPHEMERAL_PORT_MIN,
    };
    this.hosts.set(host, state);
  }

  /**
   * Changes the fault rules of the given sending hosts, or of every host (and of hosts added
   * later) when `hosts` is omitted. Omitted families turn off.
   */
  setFaults(faults: NetworkFaults, hosts?: readonly string[]): void {
    if (hosts === undefined) this.faults = faults;
    for (const state of this.hosts.values()) {
      if (hosts !== undefined && !hosts.includes(state.host)) continue;
      for (const family of FAULT_FAMILIES) state.gates[family].setRule(faults[family]);
      state.spikeExtra = faults.latencySpike?.extraUs;
    }
  }

  /** How many times each fault family fired, summed over hosts. */
  faultCounts(): Record<NetworkFaultFamily, number> {
    const out = { loss: 0, badLength: 0, resetAfterDelivery: 0, corrupt: 0, latencySpike: 0 };
    for (const state of this.hosts.values()) for (const family of FAULT_FAMILIES) out[family] += state.gates[family].fired;
    return out;
  }

  /** Open connections (each counts once). */
  get connectionCount(): number {
    return this.openConnections;
  }

  // --- partitions ----------------------------------------------------------------------------

  /** Blocks traffic from every host of `a` to every host of `b`, and back unless `oneWay`. */
  partition(a: readonly string[], b: readonly string[], oneWay = false): void {
    for (const x of a) {
      for (const y of b) {
        if (x === y) continue;
        this.blocked.add(blockKey(x, y));
        if (!oneWay) this.blocked.add(blockKey(y, x));
      }
    }
    this.trace.record(this.scheduler.nowMs, 'world', 'net.partition', { a: [...a], b: [...b], oneWay });
  }

  /** Cuts `host` off from every other host, both ways. */
  isolate(host: string): void {
    this.partition([host], [...this.hosts.keys()].filter((h) => h !== host));
  }

  /** Heals the partition between `a` and `b` (both ways), or every partition when omitted. */
  heal(a?: readonly string[], b?: readonly string[]): void {
    if (a === undefined || b === undefined) this.blocked.clear();
    else {
      for (const x of a) {
        for (const y of b) {
          this.blocked.delete(blockKey(x, y));
          this.blocked.delete(blockKey(y, x));
        }
      }
    }
    this.trace.record(this.scheduler.nowMs, 'world', 'net.heal', a === undefined || b === undefined ? undefined : { a: [...a], b: [...b] });
    const resumable = [...this.stalled].filter((pipe) => !this.isBlocked(pipe.from.host, pipe.to.host));
    for (const pipe of resumable) {
      this.stalled.delete(pipe);
      pipe.stalledSinceMs = null;
      const base = this.scheduler.nowMs + this.drawLatencyUs(pipe.from.host) / 1000;
      let due = base;
      for (const item of pipe.queue) {
        due = Math.max(due, item.dueMs);
        item.dueMs = due;
      }
      pipe.lastDueMs = Math.max(pipe.lastDueMs, due);
      this.schedulePump(pipe);
    }
  }

  /** Whether traffic from host `from` to host `to` is blocked now. */
  isBlocked(from: string, to: string): boolean {
    return this.blocked.size > 0 && this.blocked.has(blockKey(from, to));
  }

  // --- ports ---------------------------------------------------------------------------------

  /** The Transport port of one incarnation on `host`. */
  portFor(owner: Incarnation, host: string): Transport {
    assert(this.hosts.has(host), 'network_host_known', host);
    return {
      listen: (address, onConnection) => this.listen(owner, host, address, onConnection),
      connect: (address) => this.connect(owner, host, address),
    };
  }

  private resolveHost(callerHost: string, host: string): string {
    return LOOPBACK_HOSTS.has(host) ? callerHost : host;
  }

  private hostState(host: string): HostState {
    return this.hosts.get(host) as HostState;
  }

  private drawLatencyUs(host: string): number {
    const state = this.hostState(host);
    let us = state.latencyRng.int(this.latency.minUs, this.latency.maxUs);
    const spike = state.spikeExtra;
    if (spike !== undefined && state.gates.latencySpike.fire()) {
      us += state.gates.latencySpike.detailRng.int(spike.minUs, spike.maxUs);
    }
    return us;
  }

  private ephemeralPort(host: string): number {
    const state = this.hostState(host);
    for (let tries = 0; tries <= NETWORK_EPHEMERAL_PORT_MAX - NETWORK_EPHEMERAL_PORT_MIN; tries++) {
      const port = state.nextPort;
      state.nextPort = port >= NETWORK_EPHEMERAL_PORT_MAX ? NETWORK_EPHEMERAL_PORT_MIN : port + 1;
      if (!this.listeners.has(`${host}:${port}`)) return port;
    }
    return assert(false, 'network_ephemeral_port_available', host) as never;
  }

  private listen(owner: Incarnation, host: string, address: HostPort, onConnection: (c: Connection) => void): Promise<Listener> {
    if (owner.dead) return never();
    return new Promise<Listener>((resolve, reject) => {
      this.scheduler.after(
        0,
        () => {
          const bindHost = this.resolveHost(host, address.host);
          if (bindHost !== host) {
            reject(transportError(`cannot bind ${formatHostPort(address)}: not an address of ${host}`, formatHostPort(address)));
            return;
          }
          const port = address.port === 0 ? this.ephemeralPort(host) : address.port;
          const key = `${host}:${port}`;
          if (this.listeners.has(key)) {
            reject(transportError(`address in use: ${key}`, key));
            return;
          }
          assert(this.listeners.size < NETWORK_LISTENERS_MAX, 'network_listeners_within_limit');
          // A wildcard bind reports the node's own host, so the address can be handed to peers.
          const reportedHost = WILDCARD_HOSTS.has(address.host) ? host : address.host;
          const listener = new SimListener(this, key, { host: reportedHost, port }, owner, onConnection);
          this.listeners.set(key, listener);
          this.trace.record(this.scheduler.nowMs, owner.label, 'net.listen', { address: key });
          resolve(listener);
        },
        { owner, label: 'net.listen' },
      );
    });
  }

  /** @internal */
  closeListener(listener: SimListener): Promise<void> {
    if (listener.owner.dead) return never();
    if (!listener.closed) {
      listener.closed = true;
      if (this.listeners.get(listener.key) === listener) this.listeners.delete(listener.key);
      this.trace.record(this.scheduler.nowMs, listener.owner.label, 'net.unlisten', { address: listener.key });
      for (const endpoint of listener.accepted) if (endpoint.state !== 'closed') this.closeGracefully(endpoint);
      listener.accepted.clear();
    }
    return new Promise<void>((resolve) => this.scheduler.after(0, resolve, { owner: listener.owner, label: 'net.unlisten' }));
  }

  private connect(owner: Incarnation, host: string, address: HostPort): Promise<Connection> {
    if (owner.dead) return never();
    const targetHost = this.resolveHost(host, address.host);
    const target = `${targetHost}:${address.port}`;
    const startMs = this.scheduler.nowMs;
    return new Promise<Connection>((resolve, reject) => {
      const fail = (atMs: number, message: string): void => {
        this.scheduler.at(
          atMs,
          () => {
            this.trace.record(this.scheduler.nowMs, owner.label, 'net.connect_failed', { target, message });
            reject(transportError(`connect ${target}: ${message}`, target));
          },
          { owner, label: 'net.connect_failed' },
        );
      };
      if (!this.hosts.has(targetHost)) {
        fail(startMs + this.drawLatencyUs(host) / 1000, 'host not found');
        return;
      }
      // The SYN travels to the target host.
      this.scheduler.after(
        this.drawLatencyUs(host) / 1000,
        () => {
          if (this.isBlocked(host, targetHost)) {
            fail(startMs + this.connectTimeoutMs, 'timed out');
            return;
          }
          const listener = this.listeners.get(target);
          const back = this.scheduler.nowMs + this.drawLatencyUs(targetHost) / 1000;
          if (this.isBlocked(targetHost, host)) {
            fail(startMs + this.connectTimeoutMs, 'timed out');
            return;
          }
          if (listener === undefined || listener.closed || listener.owner.dead) {
            fail(back, 'connection refused');
            return;
          }
          const { client, server } = this.createConnection(owner, host, listener, target);
          this.trace.record(this.scheduler.nowMs, listener.owner.label, 'net.accept', { conn: server.id, from: server.remote });
          this.scheduler.after(
            0,
            () => {
              if (listener.closed) {
                if (server.state !== 'closed') this.closeGracefully(server);
                return;
              }
              listener.onConnection(server);
            },
            { owner: listener.owner, label: 'net.accept' },
          );
          this.scheduler.at(
            back,
            () => {
              this.trace.record(this.scheduler.nowMs, owner.label, 'net.connected', { conn: client.id, to: target });
              resolve(client);
            },
            { owner, label: 'net.connected' },
          );
        },
        { owner, label: 'net.syn', waking: false },
      );
    });
  }

  private createConnection(clientOwner: Incarnation, clientHost: string, listener: SimListener, target: string): { client: Endpoint; server: Endpoint } {
    assert(this.openConnections < NETWORK_CONNECTIONS_MAX, 'network_connections_within_limit');
    const id = `c${this.connectionNext++}`;
    const clientPort = this.ephemeralPort(clientHost);
    const serverHost = listener.key.slice(0, listener.key.lastIndexOf(':'));
    const client = new Endpoint(this, `${id}/client`, clientOwner, clientHost, target);
    const server = new Endpoint(this, `${id}/server`, listener.owner, serverHost, `${clientHost}:${clientPort}`);
    client.peer = server;
    server.peer = client;
    client.outbound = new Pipe(client, server);
    server.outbound = new Pipe(server, client);
    this.register(client);
    this.register(server);
    listener.accepted.add(server);
    this.openConnections++;
    return { client, server };
  }

  private register(endpoint: Endpoint): void {
    let set = this.endpointsByOwner.get(endpoint.owner);
    if (set === undefined) {
      set = new Set();
      this.endpointsByOwner.set(endpoint.owner, set);
    }
    set.add(endpoint);
  }

  private unregister(endpoint: Endpoint): void {
    const set = this.endpointsByOwner.get(endpoint.owner);
    if (set === undefined) return;
    set.delete(endpoint);
    if (set.size === 0) this.endpointsByOwner.delete(endpoint.owner);
  }

  // --- sending -------------------------------------------------------------------------------

  /** @internal */
  sendFrame(from: Endpoint, body: Uint8Array): void {
    const state = this.hostState(from.host);
    if (state.gates.loss.fire()) {
      this.trace.record(this.scheduler.nowMs, from.owner.label, 'fault.net.loss', { conn: from.id, bytes: body.length });
      this.reset(from, 'connection reset (frame lost)');
      return;
    }
    if (state.gates.badLength.fire()) {
      this.trace.record(this.scheduler.nowMs, from.owner.label, 'fault.net.bad_length', { conn: from.id });
      this.enqueue(from.outbound, { kind: 'frame', body: new Uint8Array(0), dueMs: 0, badLength: true });
      return;
    }
    // Pooled: a frame lives until it is delivered and decoded (decoders copy what they keep).
    const copy = pooledCopy(body);
    if (copy.length > 0 && state.gates.corrupt.fire()) {
      const rng = state.gates.corrupt.detailRng;
      // A single flipped bit is the commonest corruption (one bad bit in a buffer), and the one
      // most likely to leave a frame that still decodes with another value: three strikes in four.
      const flips = rng.chance(3, 4) ? 1 : rng.int(2, 8);
      for (let i = 0; i < flips; i++) {
        const bit = rng.int(0, copy.length * 8 - 1);
        copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
      }
      if (fnv1a32(copy) === fnv1a32(body) && copy.every((b, i) => b === body[i])) copy[0] = (copy[0] as number) ^ 1;
      this.trace.record(this.scheduler.nowMs, from.owner.label, 'fault.net.corrupt', { conn: from.id, flips });
    }
    const dueMs = this.enqueue(from.outbound, { kind: 'frame', body: copy, dueMs: 0 });
    if (dueMs !== null && state.gates.resetAfterDelivery.fire()) {
      this.trace.record(this.scheduler.nowMs, from.owner.label, 'fault.net.reset_after_delivery', { conn: from.id });
      this.enqueue(from.outbound, { kind: 'rst', dueMs: 0 });
      this.scheduler.at(dueMs, () => this.closeLocally(from, { code: ErrorCode.TRANSPORT, message: 'connection reset' }, false), {
        owner: from.owner,
        label: 'net.reset',
        waking: false,
      });
    }
  }

  /** Puts an item on the wire; returns its due time, or null when the pipe overflowed (reset). */
  private enqueue(pipe: Pipe, item: WireItem): number | null {
    const bytes = item.kind === 'frame' ? item.body.length : 0;
    // Control items (FIN, RST) always fit: a reset must be able to leave an overflowing pipe.
    if (item.kind === 'frame' && (pipe.queue.length >= NETWORK_PIPE_FRAMES_MAX || pipe.queuedBytes + bytes > NETWORK_PIPE_BYTES_MAX)) {
      this.trace.record(this.scheduler.nowMs, pipe.from.owner.label, 'net.overflow', { conn: pipe.from.id });
      this.reset(pipe.from, 'send buffer overflow');
      return null;
    }
    const dueMs = Math.max(this.scheduler.nowMs + this.drawLatencyUs(pipe.from.host) / 1000, pipe.lastDueMs);
    item.dueMs = dueMs;
    pipe.lastDueMs = dueMs;
    pipe.queue.push(item);
    pipe.queuedBytes += bytes;
    if (pipe.pump === null && pipe.stalledSinceMs === null) this.schedulePump(pipe);
    return dueMs;
  }

  private schedulePump(pipe: Pipe): void {
    const head = pipe.queue[0];
    if (head === undefined) {
      pipe.pump = null;
      return;
    }
    pipe.pumpFn ??= () => this.runPump(pipe);
    pipe.pumpOptions ??= { owner: pipe.to.owner, label: 'net.deliver', waking: false };
    pipe.pump = this.scheduler.at(head.dueMs, pipe.pumpFn, pipe.pumpOptions);
  }

  private runPump(pipe: Pipe): void {
    pipe.pump = null;
    const item = pipe.queue[0];
    if (item === undefined) return;
    if (this.isBlocked(pipe.from.host, pipe.to.host)) {
      // TCP keeps retransmitting: the pipe holds its frames until the partition heals, or
      // gives up after stallResetMs.
      pipe.stalledSinceMs = this.scheduler.nowMs;
      this.stalled.add(pipe);
      const since = pipe.stalledSinceMs;
      this.scheduler.after(
        this.stallResetMs,
        () => {
          if (pipe.stalledSinceMs !== since) return;
          this.stalled.delete(pipe);
          pipe.stalledSinceMs = null;
          this.trace.record(this.scheduler.nowMs, pipe.from.owner.label, 'net.timeout', { conn: pipe.from.id });
          this.closeLocally(pipe.from, { code: ErrorCode.TRANSPORT, message: 'connection timed out' }, true);
        },
        { label: 'net.stall_timeout', waking: false },
      );
      return;
    }
    pipe.queue.shift();
    if (item.kind === 'frame') pipe.queuedBytes -= item.body.length;
    try {
      this.deliver(pipe, item);
    } finally {
      // Even if the program's handler threw, the frames behind keep flowing.
      if (pipe.pump === null && pipe.stalledSinceMs === null) this.schedulePump(pipe);
    }
  }

  private deliver(pipe: Pipe, item: WireItem): void {
    const to = pipe.to;
    if (to.owner.dead) return;
    if (to.state !== 'open') {
      // Data for a connection this side no longer has: a live kernel answers with a reset.
      if (item.kind === 'frame' && to.peer.state === 'open') this.enqueue(to.outbound, { kind: 'rst', dueMs: 0 });
      return;
    }
    switch (item.kind) {
      case 'frame':
        this.framesDelivered++;
        this.trace.record(this.scheduler.nowMs, to.owner.label, 'net.deliver', { conn: to.id, bytes: item.body.length, fnv: fnv1a32(item.body) });
        if (item.badLength === true) {
          this.protocolClose(to, { code: ErrorCode.FRAME_TOO_LARGE, message: `frame length above ${FRAME_BODY_BYTES_MAX} bytes` });
          return;
        }
        this.toInbox(to, { kind: 'frame', body: item.body });
        return;
      case 'fin':
        this.trace.record(this.scheduler.nowMs, to.owner.label, 'net.closed_by_peer', { conn: to.id });
        this.finish(to, undefined);
        return;
      case 'rst':
        this.trace.record(this.scheduler.nowMs, to.owner.label, 'net.reset_by_peer', { conn: to.id });
        this.dropOutbound(to);
        this.finish(to, { code: ErrorCode.TRANSPORT, message: 'connection reset by peer' });
        return;
    }
  }

  // --- closing -------------------------------------------------------------------------------

  /** @internal A local close: FIN behind what was sent; local onClose without a reason. */
  closeGracefully(endpoint: Endpoint): void {
    if (endpoint.state === 'closed') return;
    this.trace.record(this.scheduler.nowMs, endpoint.owner.label, 'net.close', { conn: endpoint.id });
    endpoint.state = 'closed';
    this.enqueue(endpoint.outbound, { kind: 'fin', dueMs: 0 });
    // Frames not yet handed to the program are dropped: it asked to stop reading.
    this.dropInboxFrames(endpoint);
    this.notifyClose(endpoint, undefined);
    this.retire(endpoint);
  }

  /** Closes `endpoint` with `reason` and resets its peer (an RST behind the frames in flight). */
  private reset(endpoint: Endpoint, message: string): void {
    if (endpoint.state === 'closed') return;
    this.closeLocally(endpoint, { code: ErrorCode.TRANSPORT, message }, false);
    this.enqueue(endpoint.outbound, { kind: 'rst', dueMs: 0 });
  }

  /**
   * Closes this side only, with a reason (timeouts, resets). `abandonOutbound` drops what is
   * still queued on the wire from this side (a timed-out sender); otherwise it keeps flowing.
   */
  private closeLocally(endpoint: Endpoint, reason: CloseReason, abandonOutbound: boolean): void {
    if (endpoint.state === 'closed' || endpoint.owner.dead) return;
    endpoint.state = 'closed';
    this.dropInboxFrames(endpoint);
    if (abandonOutbound) this.dropOutbound(endpoint);
    this.notifyClose(endpoint, reason);
    this.retire(endpoint);
  }

  /** The peer closed or reset: deliver what arrived, then onClose. */
  private finish(endpoint: Endpoint, reason: CloseReason): void {
    endpoint.state = 'closed';
    this.notifyClose(endpoint, reason);
    this.retire(endpoint);
  }

  /** A framing error at the receiver: onClose(reason), sends from inside it still go out, then FIN. */
  private protocolClose(endpoint: Endpoint, reason: CloseReason): void {
    this.trace.record(this.scheduler.nowMs, endpoint.owner.label, 'net.protocol_close', { conn: endpoint.id, code: reason?.code });
    this.dropInboxFrames(endpoint);
    if (endpoint.handlers !== null && endpoint.inbox.length === 0 && !endpoint.closeQueued) {
      endpoint.closeQueued = true;
      endpoint.state = 'closing';
      this.scheduler.wake();
      try {
        endpoint.handlers.onClose(reason);
      } finally {
        // The handler may have closed the connection itself (TS narrowed `state` too eagerly).
        if ((endpoint.state as Endpoint['state']) !== 'closed') {
          endpoint.state = 'closed';
          this.enqueue(endpoint.outbound, { kind: 'fin', dueMs: 0 });
        }
        this.retire(endpoint);
      }
      return;
    }
    endpoint.state = 'closed';
    this.enqueue(endpoint.outbound, { kind: 'fin', dueMs: 0 });
    this.notifyClose(endpoint, reason);
    this.retire(endpoint);
  }

  private dropOutbound(endpoint: Endpoint): void {
    const pipe = endpoint.outbound;
    pipe.queue.length = 0;
    pipe.queuedBytes = 0;
    if (pipe.pump !== null) this.scheduler.cancel(pipe.pump);
    pipe.pump = null;
    this.stalled.delete(pipe);
    pipe.stalledSinceMs = null;
  }

  private dropInboxFrames(endpoint: Endpoint): void {
    if (endpoint.inbox.length === 0) return;
    const kept = endpoint.inbox.filter((item) => item.kind === 'close');
    endpoint.inbox.length = 0;
    endpoint.inbox.push(...kept);
  }

  private retire(endpoint: Endpoint): void {
    if (endpoint.retired || endpoint.peer.state !== 'closed' || endpoint.state !== 'closed') return;
    endpoint.retired = true;
    endpoint.peer.retired = true;
    this.unregister(endpoint);
    this.unregister(endpoint.peer);
    this.openConnections--;
    assert(this.openConnections >= 0, 'network_open_connections_nonnegative');
  }

  private notifyClose(endpoint: Endpoint, reason: CloseReason): void {
    if (endpoint.closeQueued) return;
    endpoint.closeQueued = true;
    this.toInbox(endpoint, { kind: 'close', reason }, true);
  }

  /** Hands an item to the program: at once if handlers are set and nothing waits, else via the inbox. */
  private toInbox(endpoint: Endpoint, item: InboxItem, viaEvent = false): void {
    if (endpoint.handlers !== null && endpoint.inbox.length === 0 && !viaEvent && !endpoint.receivePaused) {
      this.scheduler.wake();
      this.handTo(endpoint.handlers, item);
      return;
    }
    assert(endpoint.inbox.length < NETWORK_UNHANDLED_FRAMES_MAX, 'network_unhandled_frames_within_limit');
    endpoint.inbox.push(item);
    if (endpoint.handlers !== null && !endpoint.receivePaused) this.scheduleFlush(endpoint);
  }

  /** @internal Delivers the inbox to the handlers in an event of the endpoint's incarnation. */
  scheduleFlush(endpoint: Endpoint): void {
    if (endpoint.flushScheduled) return;
    endpoint.flushScheduled = true;
    this.scheduler.after(
      0,
      () => {
        endpoint.flushScheduled = false;
        while (endpoint.handlers !== null && !endpoint.receivePaused && endpoint.inbox.length > 0) {
          const item = endpoint.inbox.shift() as InboxItem;
          this.handTo(endpoint.handlers, item);
        }
      },
      { owner: endpoint.owner, label: 'net.flush' },
    );
  }

  private handTo(handlers: ConnectionHandlers, item: InboxItem): void {
    if (item.kind === 'frame') handlers.onFrame(item.body);
    else handlers.onClose(item.reason);
  }

  // --- process lifecycle ---------------------------------------------------------------------

  /**
   * A process died (crash or exit): its listeners go away and each of its open connections
   * sends a reset to the peer behind what is already on the wire. Nothing is delivered to the
   * dead incarnation any more (its events are dropped). `graceful` sends FINs instead (a
   * process that exits normally has its sockets closed by the kernel).
   */
  processGone(owner: Incarnation, graceful: boolean): void {
    for (const [key, listener] of this.listeners) {
      if (listener.owner !== owner) continue;
      listener.closed = true;
      this.listeners.delete(key);
    }
    const endpoints = this.endpointsByOwner.get(owner);
    if (endpoints === undefined) return;
    for (const endpoint of [...endpoints]) {
      if (endpoint.state !== 'closed') {
        endpoint.state = 'closed';
        endpoint.closeQueued = true;
        endpoint.inbox.length = 0;
        this.enqueue(endpoint.outbound, { kind: graceful ? 'fin' : 'rst', dueMs: 0 });
      }
      this.retire(endpoint);
    }
    this.endpointsByOwner.delete(owner);
  }

  /** Resets every open connection between hosts `a` and `b` (both sides see TRANSPORT). */
  resetBetween(a: string, b: string): void {
    for (const endpoints of this.endpointsByOwner.values()) {
      for (const endpoint of [...endpoints]) {
        if (endpoint.state === 'closed' || endpoint.owner.dead) continue;
        if ((endpoint.host === a && endpoint.peer.host === b) || (endpoint.host === b && endpoint.peer.host === a)) {
          this.trace.record(this.scheduler.nowMs, endpoint.owner.label, 'fault.net.reset', { conn: endpoint.id });
          this.closeLocally(endpoint, { code: ErrorCode.TRANSPORT, message: 'connection reset' }, true);
          this.closeLocally(endpoint.peer, { code: ErrorCode.TRANSPORT, message: 'connection reset' }, true);
        }
      }
    }
  }
}
