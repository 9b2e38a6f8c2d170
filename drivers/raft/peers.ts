// The peer network of one Raft node, on the Transport port: it listens on this node's Raft
// address for the other nodes' connections, and keeps one outgoing connection to every peer.
// Each direction has its own connection (as etcd's streams): this node's messages to a peer go
// on its outgoing connection, the peer's answers come back on the peer's own outgoing connection.
//
// Invariants:
//   - Frames are the peer wire (peer-wire.ts): a hello first, then Raft messages, fragmented when
//     they exceed the frame limit. An inbound connection that says anything else first, names
//     another cluster or node, or sends bytes that do not decode is closed (never a crash); a
//     message whose `from`/`to` differ from its hello is a protocol error and closes it too.
//   - Reconnection: an outgoing connection that fails or closes is retried after a jittered
//     exponential backoff (RAFT_PEER_RECONNECT_BACKOFF_MS_MIN doubling to the options' cap, by
//     default RAFT_PEER_RECONNECT_BACKOFF_MS_MAX; clock timers); a connect that has not completed
//     within the options' connect timeout (by default RAFT_PEER_CONNECT_TIMEOUT_MS) is abandoned
//     and retried the same way. The drivers derive both from their election timeout
//     (peerTimingsForElectionTimeout, limits.ts): the sum stays below one election timeout, so a
//     link lost to a partition is redialled within an election timeout of the heal (paxos
//     3-node seed 1621). The backoff resets once a connection has stayed up for the cap. A
//     hello from a peer whose outgoing link waits in that backoff redials it at once, with the
//     backoff reset: the peer just proved it is up, and a follower that only answers (Paxos,
//     Raft) would otherwise stay unheard for up to the backoff cap after it restarts (paxos
//     3-node seed 1621 before: the leader lost its quorum and stepped down). It cannot loop: only
//     a link that is down and waiting redials, and each hello is one connection the peer opened
//     under its own backoff.
//   - Bounded: while a connection attempt is under way, messages wait in a queue of at most
//     RAFT_PEER_SEND_QUEUE_MESSAGES_MAX messages and RAFT_PEER_SEND_QUEUE_BYTES_MAX bytes; the
//     oldest are dropped past it, and the whole queue when the attempt fails (Raft tolerates
//     loss and retransmits what matters; a returning peer gets no flood of stale messages). At most
//     RAFT_PEER_INBOUND_CONNECTIONS_MAX inbound connections are kept.
//   - After `close()` nothing is sent, delivered or reconnected.
import { assert } from '../../core/assert.js';
import { ErrorCode, isDecodeError, TsoError } from '../../core/errors.js';
import { decodeRaftMessage, encodeRaftMessage, type Message } from '../../core/raft/index.js';
import { type Clock, type Connection, type HostPort, type Listener, type TimerHandle, type Transport } from '../ports.js';
import {
  RAFT_PEER_CONNECT_TIMEOUT_MS,
  RAFT_PEER_CONNECT_TIMEOUT_MS_MIN,
  RAFT_PEER_HELLO_TIMEOUT_MS,
  RAFT_PEER_INBOUND_CONNECTIONS_MAX,
  RAFT_PEER_RECONNECT_BACKOFF_MS_MAX,
  RAFT_PEER_RECONNECT_BACKOFF_MS_MIN,
  RAFT_PEER_SEND_QUEUE_BYTES_MAX,
  RAFT_PEER_SEND_QUEUE_MESSAGES_MAX,
} from './limits.js';
import { encodeHello, framesOf, PeerFrameReader } from './peer-wire.js';

export type PeerEvent =
  | { readonly kind: 'peer-connected'; readonly peer: number }
  | { readonly kind: 'peer-disconnected'; readonly peer: number; readonly reason: string }
  | { readonly kind: 'peer-refused'; readonly remote: string; readonly reason: string }
  | { readonly kind: 'peer-dropped'; readonly peer: number; readonly messages: number };

/** How a peer network's messages become bytes and back (the Raft core's by default). */
export interface PeerMessageCodec<M> {
  readonly encode: (message: M) => Uint8Array;
  /** Total: throws only DecodeError. */
  readonly decode: (bytes: Uint8Array) => M;
}

/** What every message on the peer network says about itself: its sender and its addressee. */
export interface PeerAddressed {
  readonly from: number;
  readonly to: number;
}

const raftCodec: PeerMessageCodec<Message> = { encode: encodeRaftMessage, decode: decodeRaftMessage };

export interface PeerNetworkOptions<M extends PeerAddressed = Message> {
  readonly transport: Transport;
  readonly clock: Clock;
  /** Uniform in [0, 1): backoff jitter. */
  readonly random: () => number;
  readonly selfId: number;
  readonly clusterId: number;
  /** This node's Raft address (listened on). */
  readonly listen: HostPort;
  /** Every other node's Raft address at start (`setPeers` changes the set later). */
  readonly peers: ReadonlyMap<number, HostPort>;
  /**
   * Accept a hello from a node of this cluster that is not (yet) a peer: a group whose membership
   * changes (a learner hears from a leader it has no address for). Default false.
   */
  readonly acceptUnknownPeers?: boolean;
  /** A message from a peer, addressed to this node. */
  readonly onMessage: (message: M) => void;
  readonly onEvent?: (event: PeerEvent) => void;
  /** The message codec; the Raft core's when absent (then M must be the Raft `Message`). */
  readonly codec?: PeerMessageCodec<M>;
  /** A connect not completed within this long is abandoned and retried (default RAFT_PEER_CONNECT_TIMEOUT_MS). */
  readonly connectTimeoutMs?: number;
  /** The reconnect backoff's cap (default RAFT_PEER_RECONNECT_BACKOFF_MS_MAX; at least the minimum backoff). */
  readonly reconnectBackoffMsMax?: number;
}

interface QueuedMessage {
  readonly frames: Uint8Array[];
  readonly bytes: number;
}

/** The outgoing side to one peer. */
class PeerLink<M extends PeerAddressed> {
  private connection: Connection | null = null;
  private connecting = false;
  /** Numbers connect attempts: an abandoned attempt's late outcome is ignored. */
  private connectAttempt = 0;
  private reconnectTimer: TimerHandle | null = null;
  private backoffMs = RAFT_PEER_RECONNECT_BACKOFF_MS_MIN;
  private connectedAtMs = 0;
  private queue: QueuedMessage[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly network: PeerNetwork<M>,
    readonly peer: number,
    readonly address: HostPort,
  ) {}

  send(frames: Uint8Array[]): void {
    if (this.closed) return;
    const connection = this.connection;
    if (connection !== null) {
      for (const frame of frames) connection.send(frame);
      return;
    }
    const bytes = frames.reduce((sum, f) => sum + f.length, 0);
    // Copied: a frame is a view of a pooled slab (peer-wire.ts), which a queued frame would keep
    // alive for as long as the connection takes; only this rare path pays for its own buffers.
    this.queue.push({ frames: frames.map((f) => f.slice()), bytes });
    this.queuedBytes += bytes;
    while (this.queue.length - this.queueHead > RAFT_PEER_SEND_QUEUE_MESSAGES_MAX || this.queuedBytes > RAFT_PEER_SEND_QUEUE_BYTES_MAX) {
      const oldest = this.queue[this.queueHead] as QueuedMessage;
      this.queueHead++;
      this.queuedBytes -= oldest.bytes;
      this.dropped++;
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    this.ensureConnecting();
  }

  ensureConnecting(): void {
    if (this.closed || this.connection !== null || this.connecting || this.reconnectTimer !== null) return;
    this.connecting = true;
    const options = this.network.options;
    const attempt = ++this.connectAttempt;
    // A connect that hangs (its SYN lost) is abandoned after the connect timeout; a connection
    // it yields later is closed unused.
    const timeout = options.clock.setTimer(this.network.connectTimeoutMs, () => {
      if (attempt !== this.connectAttempt || !this.connecting) return;
      this.connectAttempt++;
      this.connecting = false;
      this.scheduleReconnect('connect timed out');
    });
    options.transport.connect(this.address).then(
      (connection) => {
        timeout.cancel();
        if (attempt !== this.connectAttempt || this.closed) {
          connection.close();
          return;
        }
        this.connecting = false;
        this.connected(connection);
      },
      (error: unknown) => {
        timeout.cancel();
        if (attempt !== this.connectAttempt) return;
        this.connecting = false;
        this.scheduleReconnect(error instanceof Error ? error.message : String(error));
      },
    );
  }

  private connected(connection: Connection): void {
    const options = this.network.options;
    this.connection = connection;
    this.connectedAtMs = options.clock.monotonicMs();
    connection.setHandlers({
      // Answers come on the peer's own connection; anything arriving here is ignored.
      onFrame: () => {},
      onClose: (reason) => {
        if (this.connection !== connection) return;
        this.connection = null;
        if (options.clock.monotonicMs() - this.connectedAtMs >= this.network.reconnectBackoffMsMax) this.backoffMs = RAFT_PEER_RECONNECT_BACKOFF_MS_MIN;
        options.onEvent?.({ kind: 'peer-disconnected', peer: this.peer, reason: reason?.message ?? 'closed' });
        this.scheduleReconnect(reason?.message ?? 'closed');
      },
    });
    connection.send(encodeHello({ clusterId: options.clusterId, from: options.selfId, to: this.peer }));
    options.onEvent?.({ kind: 'peer-connected', peer: this.peer });
    if (this.dropped > 0) {
      options.onEvent?.({ kind: 'peer-dropped', peer: this.peer, messages: this.dropped });
      this.dropped = 0;
    }
    for (let i = this.queueHead; i < this.queue.length; i++) {
      for (const frame of (this.queue[i] as QueuedMessage).frames) connection.send(frame);
    }
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
  }

  private scheduleReconnect(_reason: string): void {
    if (this.closed) return;
    const options = this.network.options;
    // The peer is unreachable: what waited for this attempt is stale by the next one (Raft
    // resends what matters), so it is dropped rather than flooded onto the peer when it returns.
    this.dropped += this.queue.length - this.queueHead;
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    const r = options.random();
    const unit = Number.isFinite(r) && r >= 0 && r < 1 ? r : 0;
    // Half fixed, half jitter: peers that lost each other at once do not retry in lockstep.
    const delayMs = Math.floor(this.backoffMs / 2 + unit * (this.backoffMs / 2));
    this.backoffMs = Math.min(this.backoffMs * 2, this.network.reconnectBackoffMsMax);
    this.reconnectTimer = options.clock.setTimer(delayMs, () => {
      this.reconnectTimer = null;
      this.ensureConnecting();
    });
  }

  /** The peer said hello on a connection of its own: if this link waits to redial, redial now. */
  peerIsUp(): void {
    if (this.closed || this.reconnectTimer === null) return;
    this.reconnectTimer.cancel();
    this.reconnectTimer = null;
    this.backoffMs = RAFT_PEER_RECONNECT_BACKOFF_MS_MIN;
    this.ensureConnecting();
  }

  close(): void {
    this.closed = true;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    this.connection?.close();
    this.connection = null;
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
  }
}

/** One accepted connection, from hello to close. */
class InboundConnection<M extends PeerAddressed> {
  private readonly reader: PeerFrameReader<M>;
  private from = 0;
  private refused = false;
  private helloTimer: TimerHandle | null;

  constructor(
    private readonly network: PeerNetwork<M>,
    readonly connection: Connection,
  ) {
    this.reader = new PeerFrameReader<M>(network.codec.decode);
    this.helloTimer = network.options.clock.setTimer(RAFT_PEER_HELLO_TIMEOUT_MS, () => {
      this.helloTimer = null;
      if (this.from === 0) this.refuse('no hello');
    });
    connection.setHandlers({
      onFrame: (body) => this.onFrame(body),
      onClose: () => {
        this.helloTimer?.cancel();
        this.helloTimer = null;
        network.forget(this);
      },
    });
  }

  private refuse(reason: string): void {
    if (this.refused) return;
    this.refused = true;
    this.network.options.onEvent?.({ kind: 'peer-refused', remote: this.connection.remote, reason });
    this.helloTimer?.cancel();
    this.helloTimer = null;
    this.connection.close();
    this.network.forget(this);
  }

  private onFrame(body: Uint8Array): void {
    if (this.network.isClosed || this.refused) return;
    const options = this.network.options;
    let frame;
    try {
      frame = this.reader.read(body);
    } catch (error) {
      if (isDecodeError(error)) return this.refuse(`bad frame: ${error.message}`);
      throw error;
    }
    switch (frame.kind) {
      case 'hello': {
        const { hello } = frame;
        if (this.from !== 0) return this.refuse('a second hello');
        if (hello.clusterId !== options.clusterId) return this.refuse(`hello from another cluster (id ${hello.clusterId})`);
        if (hello.to !== options.selfId) return this.refuse(`hello for node ${hello.to}, this is node ${options.selfId}`);
        if (!this.network.hasPeer(hello.from) && options.acceptUnknownPeers !== true) return this.refuse(`hello from node ${hello.from}, not a peer`);
        this.from = hello.from;
        this.helloTimer?.cancel();
        this.helloTimer = null;
        this.network.peerSaidHello(hello.from);
        return;
      }
      case 'message': {
        const { message } = frame;
        if (this.from === 0) return this.refuse('a message before the hello');
        if (message.from !== this.from || message.to !== options.selfId) {
          return this.refuse(`message ${message.from}→${message.to} on the connection of ${this.from}→${options.selfId}`);
        }
        options.onMessage(message);
        return;
      }
      case 'fragment':
        if (this.from === 0) return this.refuse('a message before the hello');
        return;
      default: {
        const never: never = frame;
        return never;
      }
    }
  }
}

function sameHostPort(a: HostPort, b: HostPort): boolean {
  return a.host === b.host && a.port === b.port;
}

export class PeerNetwork<M extends PeerAddressed = Message> {
  private readonly links = new Map<number, PeerLink<M>>();
  private readonly inbound = new Set<InboundConnection<M>>();
  /** @internal */
  readonly codec: PeerMessageCodec<M>;
  /** @internal */
  readonly connectTimeoutMs: number;
  /** @internal */
  readonly reconnectBackoffMsMax: number;
  private closedFlag = false;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly options: PeerNetworkOptions<M>,
    private listener: Listener | null,
  ) {
    this.codec = options.codec ?? (raftCodec as unknown as PeerMessageCodec<M>);
    this.connectTimeoutMs = options.connectTimeoutMs ?? RAFT_PEER_CONNECT_TIMEOUT_MS;
    this.reconnectBackoffMsMax = options.reconnectBackoffMsMax ?? RAFT_PEER_RECONNECT_BACKOFF_MS_MAX;
    if (!Number.isSafeInteger(this.connectTimeoutMs) || this.connectTimeoutMs < RAFT_PEER_CONNECT_TIMEOUT_MS_MIN) {
      throw new TsoError(ErrorCode.INVALID_CONFIG, `peer connect timeout ${this.connectTimeoutMs} ms: must be an integer of at least ${RAFT_PEER_CONNECT_TIMEOUT_MS_MIN} ms`);
    }
    if (!Number.isSafeInteger(this.reconnectBackoffMsMax) || this.reconnectBackoffMsMax < RAFT_PEER_RECONNECT_BACKOFF_MS_MIN) {
      throw new TsoError(ErrorCode.INVALID_CONFIG, `peer reconnect backoff cap ${this.reconnectBackoffMsMax} ms: must be an integer of at least ${RAFT_PEER_RECONNECT_BACKOFF_MS_MIN} ms`);
    }
    assert(!options.peers.has(options.selfId), 'peers_exclude_self');
    for (const [id, address] of options.peers) this.links.set(id, new PeerLink(this, id, address));
  }

  /** Listens on this node's Raft address and starts connecting to every peer. */
  static async start<M extends PeerAddressed = Message>(options: PeerNetworkOptions<M>): Promise<PeerNetwork<M>> {
    const network = new PeerNetwork<M>(options, null);
    network.listener = await options.transport.listen(options.listen, (c) => network.accept(c));
    for (const link of network.links.values()) link.ensureConnecting();
    return network;
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** The address the listener bound. */
  get address(): HostPort {
    assert(this.listener !== null, 'peer_network_listening');
    return this.listener.address;
  }

  /** Sends `message` to its `to` peer (dropped after close, or when no address is known for it). */
  send(message: M): void {
    if (this.closedFlag) return;
    const link = this.links.get(message.to);
    if (link === undefined) {
      // A member whose address this node does not know yet (its membership arrives later).
      assert(this.options.acceptUnknownPeers === true, 'message_to_known_peer', () => `${message.to}`);
      this.options.onEvent?.({ kind: 'peer-dropped', peer: message.to, messages: 1 });
      return;
    }
    link.send(framesOf(this.codec.encode(message)));
  }

  /** @internal An inbound hello from `id`: its outgoing link, if waiting to redial, redials now. */
  peerSaidHello(id: number): void {
    if (this.closedFlag) return;
    this.links.get(id)?.peerIsUp();
  }

  /** @internal */
  hasPeer(id: number): boolean {
    return this.links.has(id);
  }

  /**
   * Makes `peers` the set of peers: links to new ones (connected on first send), links to
   * departed ones closed, a link whose address changed replaced. Idempotent.
   */
  setPeers(peers: ReadonlyMap<number, HostPort>): void {
    if (this.closedFlag) return;
    assert(!peers.has(this.options.selfId), 'peers_exclude_self');
    for (const [id, link] of this.links) {
      const address = peers.get(id);
      if (address !== undefined && sameHostPort(address, link.address)) continue;
      link.close();
      this.links.delete(id);
    }
    for (const [id, address] of peers) if (!this.links.has(id)) this.links.set(id, new PeerLink(this, id, address));
  }

  private accept(connection: Connection): void {
    if (this.closedFlag || this.inbound.size >= RAFT_PEER_INBOUND_CONNECTIONS_MAX) {
      this.options.onEvent?.({ kind: 'peer-refused', remote: connection.remote, reason: this.closedFlag ? 'closing' : 'too many inbound connections' });
      connection.close();
      return;
    }
    this.inbound.add(new InboundConnection(this, connection));
  }

  /** @internal */
  forget(inbound: InboundConnection<M>): void {
    this.inbound.delete(inbound);
  }

  /** Stops listening, closes every connection, cancels reconnects. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closedFlag = true;
      for (const link of this.links.values()) link.close();
      for (const inbound of [...this.inbound]) inbound.connection.close();
      this.inbound.clear();
      this.closing = this.listener?.close() ?? Promise.resolve();
    }
    return this.closing;
  }
}
