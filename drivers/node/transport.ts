// The Node implementation of the Transport port over `node:net` (TCP, TCP_NODELAY on; or TLS over
// it with `tlsServer` / `tlsClient`, mTLS when the listener has a CA), framed
// with core/frame.ts: a u32 big-endian length, then the body.
//
// TLS (docs/security.md):
//   - A TLS listener hands a connection over only once its handshake (and, with a CA, the
//     client certificate check) succeeded; anything else is destroyed unseen above.
//   - `reloadTls` swaps the certificate, key and CA of every open TLS listener (and of later
//     listens and connects) without closing a listener or a connection: new handshakes use the
//     new material. Material that does not load is refused with INVALID_CONFIG and nothing
//     changes.
//   - `tlsServer.allowPlaintext` (the peers' --allow-insecure-peer) accepts both on one port: the
//     first byte decides. A TLS record starts 0x16; a native frame starting 0x16 would announce
//     a body of at least 0x16000000 bytes, above every frame limit, so no valid plaintext peer is
//     mistaken for TLS and vice versa.
//
// Invariants:
//   - Frames are delivered whole and in order, or the connection closes. Until `setHandlers`
//     is called the socket is not read at all, so frames that arrive early wait in the socket
//     (bounded by the kernel and stream buffers, not by an unbounded queue of ours) and are
//     delivered, in order, once handlers are installed.
//   - `onClose` fires exactly once. Its `reason` is set when the transport closed the
//     connection: a framing error (FRAME_TOO_LARGE / FRAME_EMPTY, as soon as the bad header is
//     seen), a socket error, or an overfull send buffer (TRANSPORT). A clean close by either
//     side has no reason.
//   - On a framing error the transport stops delivering frames, calls `onClose(reason)`, lets
//     the handler `send` from inside `onClose` (a server can answer with an error frame), then
//     flushes and closes. Input arriving after that is read and discarded until the peer
//     closes or CONNECTION_CLOSE_LINGER_MS pass: closing a socket with unread input makes the
//     kernel send RST, which can destroy the error frame before the peer reads it.
//   - `send` copies the body at once (the caller may reuse its buffer) into a per-connection
//     batch; everything sent during one tick goes out in one `write` (measured: for many small
//     frames this beats one write per frame ~5x and cork/uncork with two writes per frame
//     ~1–2.5x). `send` never throws for a closed connection; the frame is dropped. A batch
//     the socket took whole (nothing left queued in the stream after the write) is reused for
//     the next tick's frames; one still queued never is, so no pending write can see its bytes
//     change.
//   - Bytes waiting in user space (the batch plus the socket's write queue) never exceed
//     `sendBufferBytesMax`: a peer that stops reading gets its connection closed (TRANSPORT)
//     instead of growing our memory without bound.
//   - A Listener tracks its accepted sockets (at most `connectionsMax`; past it a socket is
//     dropped without a word and `onSocketDropped` is told); `close()` stops accepting, closes
//     every accepted connection, and resolves once all are gone. A connection closed before its
//     handlers were installed (a server refusing it with an answer) is destroyed as soon as its
//     answer is flushed, so refusals do not pile up.
//
// Defences of accepted connections (docs/protocol.md §1, §5; outgoing connections have none):
//   - Frame deadline: once the first byte of a frame arrived, the whole frame must arrive within
//     `frameTimeoutMs`, or the connection fails with FRAME_TIMEOUT (slowloris). The time that
//     reads are paused by us (backpressure, fairness) does not count.
//   - Fairness: at most `framesPerTurnMax` frames are handed to the handler per event-loop turn;
//     the rest of a read (decoded, at most one read's worth) waits for `setImmediate` while the
//     socket is paused, so one flooding connection cannot hold the loop.
//   - Backpressure: a connection whose unsent output passes `sendPauseBytes` is not read until
//     it drains to half of that; a peer that pipelines without reading is throttled, not fed.
//   - One budget, `bufferBudgetBytes`, bounds the bytes buffered by all connections of a
//     listener (unfinished frames + decoded frames waiting + unsent output). Near it (7/8)
//     connections holding an unfinished frame stop being read until the total falls back; past
//     it the connection holding the most is failed with BUFFER_BUDGET (and destroyed at once
//     when its peer is not reading). After every read and every flush the total is within it.
import net from 'node:net';
import tls from 'node:tls';
import { assert } from '../../core/assert.js';
import { DecodeError, ErrorCode, TsoError } from '../../core/errors.js';
import { FrameDecoder, writeFrameHeader } from '../../core/frame.js';
import {
  CONNECTION_BUFFER_BUDGET_BYTES_DEFAULT,
  CONNECTION_FRAMES_PER_TURN_MAX,
  CONNECTION_SEND_PAUSE_BYTES_DEFAULT,
  FRAME_BODY_BYTES_MAX,
  FRAME_HEADER_BYTES,
  FRAME_TIMEOUT_MS_DEFAULT,
  LISTENER_SOCKETS_MAX_DEFAULT,
} from '../../core/limits.js';
import { formatHostPort, type Connection, type ConnectionHandlers, type HostPort, type Listener, type Transport } from '../ports.js';

/** Default cap on bytes queued for sending on one connection before it is closed. */
export const TRANSPORT_SEND_BUFFER_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
/** Default time `connect` waits for the TCP handshake. */
export const TRANSPORT_CONNECT_TIMEOUT_MS_DEFAULT = 2_000;
/** How long a closing connection waits for the peer's close before destroying the socket. */
export const CONNECTION_CLOSE_LINGER_MS = 2_000;
/** Smallest batch buffer allocated for outgoing frames (many small frames share one write). */
const SEND_BATCH_BYTES_MIN = 16 * 1024;
/** Close reasons of the defences (the `code` of `onClose(reason)`). */
export const TransportCloseCode = {
  FRAME_TIMEOUT: 'FRAME_TIMEOUT',
  BUFFER_BUDGET: 'BUFFER_BUDGET',
} as const;
const EMPTY_BODY = new Uint8Array(0);

export interface NodeTransportOptions {
  /** Largest frame body accepted from and sent to a peer (default FRAME_BODY_BYTES_MAX). */
  readonly frameBodyBytesMax?: number;
  /** Bytes queued for sending on one connection beyond which it is closed (default 64 MiB). */
  readonly sendBufferBytesMax?: number;
  /** `connect` gives up after this long with TsoError(TRANSPORT) (default 2 s). */
  readonly connectTimeoutMs?: number;
  /** Accepted sockets one listener holds at once (default LISTENER_SOCKETS_MAX_DEFAULT); a server
   *  caps its connections below it, so that it can answer the ones it refuses. */
  readonly connectionsMax?: number;
  /** Accepted connections: a frame must arrive whole this long after its first byte (default
   *  FRAME_TIMEOUT_MS_DEFAULT; 0 disables). */
  readonly frameTimeoutMs?: number;
  /** Accepted connections: bytes buffered across all of one listener's connections (default
   *  CONNECTION_BUFFER_BUDGET_BYTES_DEFAULT). */
  readonly bufferBudgetBytes?: number;
  /** Unsent output past which a connection is not read (default CONNECTION_SEND_PAUSE_BYTES_DEFAULT). */
  readonly sendPauseBytes?: number;
  /** Frames handed to the handler per connection per event-loop turn (default CONNECTION_FRAMES_PER_TURN_MAX). */
  readonly framesPerTurnMax?: number;
  /** Told about every accepted socket dropped without an answer (listener over `connectionsMax`). */
  readonly onSocketDropped?: () => void;
  /** Outgoing connections (and their connect timers) do not keep the process alive (default
   *  false). The client sets it: its keep-alive holds the process while a call is pending, so an
   *  idle client that was never closed lets a script end, as Node's own HTTP agent does. */
  readonly unrefConnections?: boolean;
  /** Listeners serve TLS with this certificate; with `ca`, clients must present a certificate it signed (mTLS). */
  readonly tlsServer?: TlsServerOptions;
  /** `connect` speaks TLS, verifying the server against `ca` (default: Node's roots) and presenting `cert`/`key` for mTLS. */
  readonly tlsClient?: TlsClientOptions;
}

/** PEM certificate and key of a TLS listener; `ca` requires and verifies client certificates. */
export interface TlsServerOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca?: string | Buffer;
  /** Also accept plaintext connections on the same port (sniffed by the first byte). Default false. */
  readonly allowPlaintext?: boolean;
}

/** The first byte of a TLS handshake record (ContentType handshake). */
const TLS_HANDSHAKE_RECORD_BYTE = 0x16;

/** Node's secure context of a listener's material; INVALID_CONFIG when it does not load. */
export function tlsServerContext(options: TlsServerOptions): tls.SecureContext {
  try {
    return tls.createSecureContext({ cert: options.cert, key: options.key, ...(options.ca !== undefined ? { ca: options.ca } : {}) });
  } catch (e) {
    throw new TsoError(ErrorCode.INVALID_CONFIG, `TLS certificate or key does not load: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** TLS of outgoing connections: the CA to trust, a client certificate for mTLS, the name to verify. */
export interface TlsClientOptions {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** The name the server certificate must carry (default: the host dialled; an IP is checked against IP SANs). */
  readonly servername?: string;
}

/** A TLS handshake must finish this long after the TCP accept, or the socket is destroyed. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

type CloseReason = { code: string; message: string };

interface ResolvedOptions {
  readonly frameBodyBytesMax: number;
  readonly sendBufferBytesMax: number;
  readonly connectTimeoutMs: number;
  readonly connectionsMax: number;
  readonly unrefConnections: boolean;
  readonly frameTimeoutMs: number;
  readonly bufferBudgetBytes: number;
  readonly sendPauseBytes: number;
  readonly framesPerTurnMax: number;
  readonly onSocketDropped: () => void;
}

/**
 * The bytes buffered by the accepted connections of one listener, against one budget. Each
 * connection reports its own total (`account`); the guard keeps the sum, pauses unfinished
 * frames near the budget and picks the biggest holder past it.
 */
class BufferGuard {
  bufferedBytes = 0;
  /** Connections not read because the total was near the budget (resumed below it). */
  private readonly pausedForBudget = new Set<NodeConnection>();

  constructor(
    readonly budgetBytes: number,
    private readonly connections: ReadonlySet<NodeConnection>,
  ) {}

  /** The total above which connections holding an unfinished frame stop being read. */
  get softBytes(): number {
    return Math.floor((this.budgetBytes * 7) / 8);
  }

  change(deltaBytes: number): void {
    this.bufferedBytes += deltaBytes;
    assert(this.bufferedBytes >= 0, 'buffered_bytes_not_negative', () => String(this.bufferedBytes));
    if (this.bufferedBytes < this.softBytes && this.pausedForBudget.size > 0) {
      const paused = [...this.pausedForBudget];
      this.pausedForBudget.clear();
      for (const connection of paused) connection.resumeAfterBudget();
    }
  }

  pause(connection: NodeConnection): void {
    this.pausedForBudget.add(connection);
  }

  forget(connection: NodeConnection): void {
    this.pausedForBudget.delete(connection);
  }

  /** Fails the biggest holders until the total is within the budget. */
  enforce(): void {
    while (this.bufferedBytes > this.budgetBytes) {
      let biggest: NodeConnection | null = null;
      for (const c of this.connections) if (c.isOpen && (biggest === null || c.accountedBytes > biggest.accountedBytes)) biggest = c;
      if (biggest === null || biggest.accountedBytes === 0) return;
      biggest.failForBudget(this.bufferedBytes, this.budgetBytes);
    }
  }
}

/**
 * Connection states: `open` reads and sends; `failing` is the moment inside `onClose` after a
 * transport-detected failure, when sends are still accepted; `closing` has ended its side and
 * waits for the socket to close; `closed` is final.
 */
type ConnectionState = 'open' | 'failing' | 'closing' | 'closed';

class NodeConnection implements Connection {
  readonly remote: string;
  /** Bytes this connection last reported to its guard (0 for outgoing connections). */
  accountedBytes = 0;
  private handlers: ConnectionHandlers | null = null;
  private state: ConnectionState = 'open';
  private closeReason: CloseReason | undefined = undefined;
  private closeNotified = false;
  private decoder: FrameDecoder;
  /** Filled batches waiting for the end-of-tick flush, oldest first. */
  private batchesFull: Uint8Array[] = [];
  private batch: Buffer | null = null;
  private batchUsedBytes = 0;
  /**
   * The last batch, kept for the next tick when the socket took all of it at once (its
   * `writableLength` back to 0 after the write: the kernel copied the bytes, nothing in Node
   * still points into it). One caller's answer a tick would otherwise allocate a fresh 16 KiB
   * buffer per frame, the largest allocation of a round trip on either side.
   */
  private spareBatch: Buffer | null = null;
  /** Send batches allocated so far (for tests and diagnosis: a steady one-frame-a-tick peer needs one). */
  sendBatchesAllocated = 0;
  /** Bytes in `batchesFull` plus `batchUsedBytes`. */
  private queuedBytes = 0;
  private flushScheduled = false;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  /** Bodies decoded and not yet handed over (at most one read's worth); the socket is paused while any wait. */
  private waiting: Uint8Array[] = [];
  private waitingHead = 0;
  private waitingBytes = 0;
  private deliveryScheduled = false;
  /** A framing error found behind the waiting bodies: reported once they are delivered. */
  private decodeFailure: DecodeError | null = null;
  /** Frames completed so far; the frame in progress is number `framesDecoded`. */
  private framesDecoded = 0;
  /** When the first byte of the frame in progress arrived (performance.now() ms). */
  private frameStartedMs = 0;
  private frameTimer: ReturnType<typeof setTimeout> | null = null;
  private readingPaused = false;
  private pausedForOutput = false;
  /** The receiver asked for no frames for now (pauseReading): waiting bodies stay, the socket is not read. */
  private pausedByReceiver = false;
  private pausedForBudget = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: ResolvedOptions,
    private readonly onGone: (connection: NodeConnection) => void,
    /** The budget of the listener that accepted this connection; null for outgoing ones. */
    private readonly guard: BufferGuard | null,
  ) {
    this.decoder = new FrameDecoder(options.frameBodyBytesMax);
    this.remote = formatHostPort({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
    socket.setNoDelay(true);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.closeReason ??= { code: ErrorCode.TRANSPORT, message: `${error.code ?? 'socket error'}: ${error.message}` };
    });
    socket.on('close', () => this.onSocketClosed());
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  setHandlers(handlers: ConnectionHandlers): void {
    const first = this.handlers === null;
    this.handlers = handlers;
    if (!first) return;
    if (this.state === 'closed') {
      // Closed before anyone listened: tell the new handlers, but not from inside this call.
      queueMicrotask(() => this.notifyClose());
      return;
    }
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  send(body: Uint8Array): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    assert(body.length >= 1 && body.length <= this.options.frameBodyBytesMax, 'send_frame_body_within_max', () => String(body.length));
    const frameBytes = FRAME_HEADER_BYTES + body.length;
    if (this.queuedBytes + this.socket.writableLength + frameBytes > this.options.sendBufferBytesMax) {
      this.fail({
        code: ErrorCode.TRANSPORT,
        message: `send buffer of ${this.remote} would exceed ${this.options.sendBufferBytesMax} bytes (peer not reading)`,
      });
      return;
    }
    if (this.batch === null || this.batch.length - this.batchUsedBytes < frameBytes) {
      this.sealBatch();
      const spare = this.spareBatch;
      this.spareBatch = null;
      if (spare !== null && spare.length >= frameBytes) this.batch = spare;
      else {
        this.batch = Buffer.allocUnsafe(Math.max(SEND_BATCH_BYTES_MIN, frameBytes));
        this.sendBatchesAllocated += 1;
      }
    }
    writeFrameHeader(this.batch, this.batchUsedBytes, body.length);
    this.batch.set(body, this.batchUsedBytes + FRAME_HEADER_BYTES);
    this.batchUsedBytes += frameBytes;
    this.queuedBytes += frameBytes;
    // Only a server throttles its peer: a client that stopped reading answers because its own
    // requests were not read would deadlock with a server doing the same.
    if (this.guard !== null && !this.pausedForOutput && this.outputBytes() > this.options.sendPauseBytes) {
      this.pausedForOutput = true;
      this.updateReading();
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  close(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.endGracefully();
  }

  /** Called by the guard once the total fell below the soft mark. */
  resumeAfterBudget(): void {
    this.pausedForBudget = false;
    this.updateReading();
  }

  /** Called by the guard: this connection holds the most while the total is past the budget. */
  failForBudget(totalBytes: number, budgetBytes: number): void {
    const peerNotReading = this.outputBytes() > this.options.sendPauseBytes;
    this.dropInput();
    this.fail({
      code: TransportCloseCode.BUFFER_BUDGET,
      message: `buffers of all connections (${totalBytes} bytes) passed the budget of ${budgetBytes} bytes; this connection held the most`,
    });
    // Its unsent output cannot drain to a peer that does not read: free it now.
    if (peerNotReading) this.socket.destroy();
    this.account();
  }

  private onData(chunk: Buffer): void {
    // After a local close or a failure, input is drained and dropped (see the file comment).
    if (this.state !== 'open') return;
    const framesBefore = this.framesDecoded;
    const wasInFrame = this.decoder.pendingBytes > 0;
    try {
      this.decoder.pushEach(chunk, (body) => {
        this.waiting.push(body);
        this.waitingBytes += body.length;
        this.framesDecoded += 1;
      });
    } catch (error) {
      // Only the decoder's own error is a framing failure.
      if (!(error instanceof DecodeError && error === this.decoder.error)) throw error;
      this.decodeFailure = error;
    }
    if (this.decoder.pendingBytes > 0 && (!wasInFrame || this.framesDecoded !== framesBefore)) this.startFrameDeadline();
    this.deliver();
    if (this.guard !== null && this.state === 'open' && this.decoder.pendingBytes > 0 && this.guard.bufferedBytes >= this.guard.softBytes) {
      this.pausedForBudget = true;
      this.guard.pause(this);
      this.updateReading();
    }
    this.guard?.enforce();
  }

  /** Hands waiting bodies to the handler, at most `framesPerTurnMax` now; the rest next turn. */
  private deliver(): void {
    this.deliveryScheduled = false;
    let delivered = 0;
    while (this.state === 'open' && !this.pausedByReceiver && this.waitingHead < this.waiting.length) {
      if (delivered === this.options.framesPerTurnMax) {
        this.deliveryScheduled = true;
        setImmediate(() => this.deliver());
        break;
      }
      const body = this.waiting[this.waitingHead] as Uint8Array;
      this.waiting[this.waitingHead] = EMPTY_BODY;
      this.waitingHead += 1;
      this.waitingBytes -= body.length;
      delivered += 1;
      this.handlers?.onFrame(body);
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting = [];
      this.waitingHead = 0;
    }
    if (this.state === 'open' && this.waiting.length === 0 && this.decodeFailure !== null) {
      this.fail({ code: this.decodeFailure.code, message: this.decodeFailure.message });
      return;
    }
    this.updateReading();
    this.account();
  }

  private startFrameDeadline(): void {
    if (this.guard === null || this.options.frameTimeoutMs === 0) return;
    this.frameStartedMs = performance.now();
    if (this.frameTimer === null) this.armFrameTimer(this.options.frameTimeoutMs);
  }

  private armFrameTimer(delayMs: number): void {
    this.frameTimer = setTimeout(() => this.onFrameTimer(), Math.max(1, Math.ceil(delayMs)));
    this.frameTimer.unref();
  }

  private onFrameTimer(): void {
    this.frameTimer = null;
    if (this.state !== 'open' || this.decoder.pendingBytes === 0) return;
    // Time we did not read (backpressure, fairness) is ours, not the peer's: restart its clock.
    if (this.pausedForOutput || this.deliveryScheduled || this.pausedByReceiver) this.frameStartedMs = performance.now();
    const elapsedMs = performance.now() - this.frameStartedMs;
    if (elapsedMs < this.options.frameTimeoutMs) {
      this.armFrameTimer(this.options.frameTimeoutMs - elapsedMs);
      return;
    }
    this.dropInput();
    this.fail({
      code: TransportCloseCode.FRAME_TIMEOUT,
      message: `a frame begun ${Math.round(elapsedMs)} ms ago is still unfinished (limit ${this.options.frameTimeoutMs} ms)`,
    });
    this.account();
  }

  pauseReading(): void {
    if (this.pausedByReceiver) return;
    this.pausedByReceiver = true;
    this.updateReading();
  }

  resumeReading(): void {
    if (!this.pausedByReceiver) return;
    this.pausedByReceiver = false;
    // Bodies that waited are handed over on a later turn (never from inside the caller's stack).
    if (this.waitingHead < this.waiting.length && !this.deliveryScheduled) {
      this.deliveryScheduled = true;
      setImmediate(() => this.deliver());
    }
    this.updateReading();
  }

  /** Reads pause while bodies wait for their turn, while output is over its mark, near the budget, or when the receiver asks. */
  private updateReading(): void {
    if (this.handlers === null || this.state !== 'open') return;
    const pause = this.waitingHead < this.waiting.length || this.pausedForOutput || this.pausedForBudget || this.pausedByReceiver;
    if (pause && !this.readingPaused) {
      this.readingPaused = true;
      this.socket.pause();
    } else if (!pause && this.readingPaused) {
      this.readingPaused = false;
      this.socket.resume();
    }
  }

  /** Bytes of answers not yet handed to the kernel. */
  private outputBytes(): number {
    return this.socket.destroyed ? 0 : this.queuedBytes + this.socket.writableLength;
  }

  /** Reports this connection's buffered bytes to its listener's guard. */
  private account(): void {
    if (this.guard === null) return;
    const bytes = this.state === 'closed' ? 0 : this.decoder.pendingBytes + this.waitingBytes + this.outputBytes();
    const delta = bytes - this.accountedBytes;
    this.accountedBytes = bytes;
    if (delta !== 0) this.guard.change(delta);
  }

  /** Forgets unread input (a failed connection will not read it). */
  private dropInput(): void {
    this.decoder = new FrameDecoder(this.options.frameBodyBytesMax);
    this.waiting = [];
    this.waitingHead = 0;
    this.waitingBytes = 0;
    this.decodeFailure = null;
  }

  /** A transport-detected failure: tell the handler (which may still send), then close. */
  private fail(reason: CloseReason): void {
    if (this.state !== 'open') return;
    this.closeReason ??= reason;
    this.state = 'failing';
    this.notifyClose();
    this.state = 'closing';
    this.endGracefully();
  }

  /** Flushes, sends FIN, drains input until the peer closes, destroys after the linger time. */
  private endGracefully(): void {
    this.guard?.forget(this);
    this.dropInput();
    this.flush();
    this.socket.end();
    if (this.handlers === null) {
      // Never read: a refusal. Its answer is tiny and goes out at once; holding the socket for
      // the linger time would let a flood of refusals pile up, so it is destroyed once flushed.
      this.socket.once('finish', () => this.socket.destroy());
    }
    // Read (and drop) what arrives, or the peer's FIN would never be seen and the socket would
    // only die by the linger timer (never read, or paused by backpressure).
    if (this.handlers === null || this.readingPaused) this.socket.resume();
    this.readingPaused = false;
    this.startLinger();
    this.account();
  }

  private onSocketClosed(): void {
    if (this.state === 'open') {
      // The peer closed while decoded frames waited for their turn: they arrived whole before
      // the close, so they are delivered (all now: there is no later turn), and a framing error
      // behind them becomes the close reason.
      while (this.state === 'open' && this.waitingHead < this.waiting.length) {
        const body = this.waiting[this.waitingHead] as Uint8Array;
        this.waitingHead += 1;
        this.handlers?.onFrame(body);
      }
      if (this.decodeFailure !== null) this.closeReason ??= { code: this.decodeFailure.code, message: this.decodeFailure.message };
    }
    this.state = 'closed';
    this.batchesFull = [];
    this.batch = null;
    this.queuedBytes = 0;
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    if (this.frameTimer !== null) clearTimeout(this.frameTimer);
    this.frameTimer = null;
    this.guard?.forget(this);
    this.dropInput();
    this.account();
    this.onGone(this);
    if (this.handlers !== null) this.notifyClose();
  }

  private notifyClose(): void {
    if (this.closeNotified || this.handlers === null) return;
    this.closeNotified = true;
    this.handlers.onClose(this.closeReason);
  }

  private startLinger(): void {
    if (this.lingerTimer !== null || this.state === 'closed') return;
    // Unref'd: a process that has nothing else to do need not wait for a slow peer.
    this.lingerTimer = setTimeout(() => this.socket.destroy(), CONNECTION_CLOSE_LINGER_MS);
    this.lingerTimer.unref();
  }

  private sealBatch(): void {
    if (this.batch !== null && this.batchUsedBytes > 0) this.batchesFull.push(this.batch.subarray(0, this.batchUsedBytes));
    this.batch = null;
    this.batchUsedBytes = 0;
  }

  private flush(): void {
    this.flushScheduled = false;
    this.sealBatch();
    const batches = this.batchesFull;
    this.batchesFull = [];
    this.queuedBytes = 0;
    // After the peer's FIN Node ends our side too (no half-open connections): what is still
    // queued cannot be delivered, and writing it would only raise a spurious EPIPE.
    if (this.state === 'closed' || this.socket.destroyed || this.socket.readableEnded) {
      this.account();
      return;
    }
    if (this.guard === null) {
      for (const b of batches) this.socket.write(b);
    } else {
      const last = batches.length - 1;
      batches.forEach((b, i) => this.socket.write(b, i === last ? () => this.onWritten() : undefined));
      this.account();
    }
    this.keepSpare(batches);
    if (this.guard === null) return;
    this.guard.enforce();
  }

  /**
   * Keeps the batch just written for reuse when the socket took it whole: the write completed
   * synchronously (nothing queued in the stream), so no pending write request refers to it.
   */
  private keepSpare(batches: readonly Uint8Array[]): void {
    if (batches.length !== 1 || this.socket.writableLength !== 0) return;
    const written = batches[0] as Uint8Array;
    if (written.byteOffset !== 0 || written.buffer.byteLength < SEND_BATCH_BYTES_MIN) return;
    this.spareBatch = Buffer.from(written.buffer, 0, written.buffer.byteLength);
  }

  /** The kernel took our output: account for it and read again once half of the mark drained. */
  private onWritten(): void {
    if (this.pausedForOutput && this.outputBytes() <= this.options.sendPauseBytes / 2) {
      this.pausedForOutput = false;
      this.updateReading();
    }
    this.account();
  }
}

class NodeListener implements Listener {
  readonly address: HostPort;
  private readonly connections = new Set<NodeConnection>();
  readonly guard: BufferGuard;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly server: net.Server,
    host: string,
    bufferBudgetBytes: number,
  ) {
    const bound = server.address();
    assert(bound !== null && typeof bound === 'object', 'listener_bound_to_tcp');
    this.address = { host, port: bound.port };
    this.guard = new BufferGuard(bufferBudgetBytes, this.connections);
  }

  accept(socket: net.Socket, options: ResolvedOptions, onConnection: (connection: Connection) => void): void {
    // Node's own maxConnections check counts sockets until they are destroyed, ours until their
    // 'close' event, so both guards are needed to keep the set within its limit.
    if (this.closing !== null || this.connections.size >= options.connectionsMax) {
      if (this.closing === null) options.onSocketDropped();
      socket.destroy();
      return;
    }
    const connection = new NodeConnection(socket, options, (c) => this.connections.delete(c), this.guard);
    this.connections.add(connection);
    onConnection(connection);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      // server.close calls back once every accepted socket has closed; each closes gracefully
      // (flush, FIN) and is destroyed after the linger time at the latest.
      this.server.close(() => resolve());
      for (const connection of [...this.connections]) connection.close();
    });
    return this.closing;
  }
}

/**
 * Hands an accepted socket over by its first byte: a TLS record (0x16) to `secure` (which does the
 * handshake and calls back with the TLS socket), anything else to `onSocket` as plaintext. The
 * bytes read to decide are put back first; the socket is left neither flowing nor paused, so
 * the connection reads it only once its handlers are installed, as for any accepted socket.
 */
function sniffTls(socket: net.Socket, onSocket: (socket: net.Socket) => void, secure: tls.Server): void {
  const onError = (): void => {
    socket.destroy();
  };
  socket.on('error', onError);
  const timer = setTimeout(() => socket.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
  socket.once('close', () => clearTimeout(timer));
  const onReadable = (): void => {
    const chunk = socket.read() as Buffer | null;
    if (chunk === null || chunk.length === 0) return;
    socket.off('readable', onReadable);
    socket.off('error', onError);
    clearTimeout(timer);
    socket.unshift(chunk);
    if (chunk[0] === TLS_HANDSHAKE_RECORD_BYTE) secure.emit('connection', socket);
    else onSocket(socket);
  };
  socket.on('readable', onReadable);
}

function transportError(message: string, details: Record<string, unknown>): TsoError {
  return new TsoError(ErrorCode.TRANSPORT, message, details);
}

export class NodeTransport implements Transport {
  private readonly options: ResolvedOptions;
  private readonly listeners = new Set<NodeListener>();
  private tlsServer: TlsServerOptions | undefined;
  private tlsClient: TlsClientOptions | undefined;
  /** Open TLS listeners (their context is swapped by reloadTls). */
  private readonly tlsListeners = new Set<tls.Server>();

  constructor(options: NodeTransportOptions = {}) {
    this.options = {
      frameBodyBytesMax: options.frameBodyBytesMax ?? FRAME_BODY_BYTES_MAX,
      sendBufferBytesMax: options.sendBufferBytesMax ?? TRANSPORT_SEND_BUFFER_BYTES_MAX_DEFAULT,
      connectTimeoutMs: options.connectTimeoutMs ?? TRANSPORT_CONNECT_TIMEOUT_MS_DEFAULT,
      connectionsMax: options.connectionsMax ?? LISTENER_SOCKETS_MAX_DEFAULT,
      unrefConnections: options.unrefConnections ?? false,
      frameTimeoutMs: options.frameTimeoutMs ?? FRAME_TIMEOUT_MS_DEFAULT,
      bufferBudgetBytes: options.bufferBudgetBytes ?? CONNECTION_BUFFER_BUDGET_BYTES_DEFAULT,
      sendPauseBytes: options.sendPauseBytes ?? CONNECTION_SEND_PAUSE_BYTES_DEFAULT,
      framesPerTurnMax: options.framesPerTurnMax ?? CONNECTION_FRAMES_PER_TURN_MAX,
      onSocketDropped: options.onSocketDropped ?? (() => undefined),
    };
    this.tlsServer = options.tlsServer;
    this.tlsClient = options.tlsClient;
    if (this.tlsServer !== undefined) tlsServerContext(this.tlsServer);
    assert(Number.isSafeInteger(this.options.frameBodyBytesMax) && this.options.frameBodyBytesMax >= 1, 'transport_frame_max_valid');
    assert(this.options.sendBufferBytesMax >= FRAME_HEADER_BYTES + this.options.frameBodyBytesMax, 'transport_send_buffer_fits_a_frame');
    assert(this.options.connectTimeoutMs > 0, 'transport_connect_timeout_positive');
    assert(Number.isSafeInteger(this.options.connectionsMax) && this.options.connectionsMax >= 1, 'transport_connections_max_valid');
    assert(this.options.frameTimeoutMs >= 0, 'transport_frame_timeout_not_negative');
    assert(this.options.bufferBudgetBytes >= FRAME_HEADER_BYTES + this.options.frameBodyBytesMax, 'transport_buffer_budget_fits_a_frame');
    assert(this.options.sendPauseBytes >= 1, 'transport_send_pause_positive');
    assert(Number.isSafeInteger(this.options.framesPerTurnMax) && this.options.framesPerTurnMax >= 1, 'transport_frames_per_turn_valid');
  }

  /** Bytes buffered now by the accepted connections of every open listener (see BufferGuard). */
  get bufferedBytes(): number {
    let total = 0;
    for (const listener of this.listeners) total += listener.guard.bufferedBytes;
    return total;
  }

  /** The budget `bufferedBytes` is held within, per listener. */
  get bufferBudgetBytes(): number {
    return this.options.bufferBudgetBytes;
  }

  listen(address: HostPort, onConnection: (connection: Connection) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      let listener: NodeListener | null = null;
      const onSocket = (socket: net.Socket): void => {
        if (listener === null) {
          socket.destroy();
          return;
        }
        listener.accept(socket, this.options, onConnection);
      };
      const tlsServer = this.tlsServer;
      // With TLS, a connection is handed over once its handshake (and, with a CA, the client's
      // certificate check) succeeded; a failed handshake destroys the socket, unseen above.
      let server: net.Server;
      if (tlsServer === undefined) {
        server = net.createServer({ noDelay: true, pauseOnConnect: false }, onSocket);
      } else {
        const secure = tls.createServer(
          {
            noDelay: true,
            cert: tlsServer.cert,
            key: tlsServer.key,
            handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
            ...(tlsServer.ca !== undefined ? { ca: tlsServer.ca, requestCert: true, rejectUnauthorized: true } : {}),
          },
          onSocket,
        );
        secure.on('tlsClientError', () => undefined);
        this.tlsListeners.add(secure);
        // With allowPlaintext the TLS server never listens: the sniffing TCP server hands it the
        // sockets that start with a TLS record.
        server = tlsServer.allowPlaintext === true ? net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => sniffTls(socket, onSocket, secure)) : secure;
        server.once('close', () => this.tlsListeners.delete(secure));
      }
      // Node destroys accepted sockets beyond this at once; our set of connections stays bounded.
      server.maxConnections = this.options.connectionsMax;
      server.on('drop', () => this.options.onSocketDropped());
      const onListenError = (error: NodeJS.ErrnoException): void => {
        reject(transportError(`cannot listen on ${formatHostPort(address)}: ${error.message}`, { errno: error.code }));
      };
      server.once('error', onListenError);
      server.listen({ host: address.host, port: address.port }, () => {
        server.off('error', onListenError);
        // Errors after listening (EMFILE on accept, ...) are per-connection events; a server
        // error after this point must not crash the process.
        server.on('error', () => undefined);
        const bound = new NodeListener(server, address.host, this.options.bufferBudgetBytes);
        listener = bound;
        this.listeners.add(bound);
        server.once('close', () => this.listeners.delete(bound));
        resolve(bound);
      });
    });
  }

  /** True when this transport's listeners speak TLS. */
  get servesTls(): boolean {
    return this.tlsServer !== undefined;
  }

  /** True when this transport's outgoing connections speak TLS. */
  get connectsWithTls(): boolean {
    return this.tlsClient !== undefined;
  }

  /**
   * Swaps the TLS material of every open TLS listener and of later listens (`server`), and of
   * later connects (`client`), without closing anything: handshakes from now on use it. Loads the
   * new material first; INVALID_CONFIG (and nothing changed) when it does not load. A transport
   * started without TLS stays without it (a listener does not change protocol).
   */
  reloadTls(server: TlsServerOptions | undefined, client?: TlsClientOptions): void {
    if ((server === undefined) !== (this.tlsServer === undefined)) {
      throw new TsoError(ErrorCode.INVALID_CONFIG, 'reloadTls cannot turn TLS on or off on a running listener');
    }
    if (server !== undefined) {
      tlsServerContext(server);
      for (const listener of this.tlsListeners) {
        listener.setSecureContext({ cert: server.cert, key: server.key, ...(server.ca !== undefined ? { ca: server.ca } : {}) });
      }
      this.tlsServer = { ...server, ...(this.tlsServer?.allowPlaintext === true ? { allowPlaintext: true } : {}) };
    }
    if (client !== undefined) this.tlsClient = client;
  }

  connect(address: HostPort): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const target = formatHostPort(address);
      const tlsClient = this.tlsClient;
      const socket: net.Socket =
        tlsClient === undefined
          ? net.connect({ host: address.host, port: address.port, noDelay: true })
          : tls.connect({
              host: address.host,
              port: address.port,
              ...(tlsClient.ca !== undefined ? { ca: tlsClient.ca } : {}),
              ...(tlsClient.cert !== undefined ? { cert: tlsClient.cert } : {}),
              ...(tlsClient.key !== undefined ? { key: tlsClient.key } : {}),
              ...(tlsClient.servername !== undefined ? { servername: tlsClient.servername } : {}),
            }).setNoDelay(true);
      if (this.options.unrefConnections) socket.unref();
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(transportError(`connect to ${target} timed out after ${this.options.connectTimeoutMs} ms`, { timeoutMs: this.options.connectTimeoutMs }));
      }, this.options.connectTimeoutMs);
      if (this.options.unrefConnections) timer.unref();
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(transportError(`cannot connect to ${target}: ${error.message}`, { errno: error.code }));
      });
      socket.once(tlsClient === undefined ? 'connect' : 'secureConnect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new NodeConnection(socket, this.options, () => undefined, null));
      });
    });
  }
}
