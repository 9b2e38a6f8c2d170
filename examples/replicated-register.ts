// Example service for the simulator (docs/sim-api.md): a replicated register with a
// primary/backup protocol, written only against the ports (Disk, Transport, Clock) so that the
// same code could run on Node's ports and runs here under the simulated world. It is not a
// timestamp oracle; it is the shape a user's own service takes under `tsoracle/sim`.
//
// Protocol (one primary, one backup, fixed roles; clients talk to the primary only):
//   - The register is `{ version, value }`; version 0 is the empty register (value null). Each
//     node keeps it durable in `<dataDir>/register` (write a temporary file, fsync it, rename
//     it over, fsync the directory: a crash leaves the old or the new state, never a torn one).
//   - write(value): the primary takes writes one at a time. It makes version + 1 durable on its
//     own disk, sends it to the backup, and once the backup answers that it holds it durably,
//     commits it (reads see it from then on) and acknowledges the client.
//   - read: answered from the primary's committed state.
//   - recovery: a primary that starts reads its disk, fetches the backup's state, adopts the
//     higher version, makes it durable on both nodes, and only then listens for clients. So a
//     primary that lost its disk (a replaced machine) comes back with every acknowledged write.
// Invariant: every acknowledged write is durable on the backup. The bug switch
// `ackBeforeBackup` breaks it: the primary commits and acknowledges once its own disk holds the
// write, and replicates after; a primary whose disk is replaced in that window loses a write a
// client was told had succeeded.
//
// Messages are JSON frame bodies. Every program here keeps one operation at a time on each
// connection, so a reply is matched to its request by order and by `id`.

import { type Clock, type Connection, type Disk, formatHostPort, type HostPort, type NodePorts, type Program, sleep, type Transport } from '../sim/index.js';

export interface RegisterState {
  readonly version: number;
  readonly value: string | null;
}

export const EMPTY_REGISTER: RegisterState = { version: 0, value: null };

/** Bug switches of the example; every one is off unless a run names it. */
export interface RegisterBugs {
  /** The primary acknowledges a write before the backup holds it. */
  readonly ackBeforeBackup?: boolean;
}

export type ClientRequest = { readonly t: 'write'; readonly id: number; readonly value: string } | { readonly t: 'read'; readonly id: number };
export type ClientReply =
  | { readonly t: 'written'; readonly id: number; readonly version: number }
  | { readonly t: 'value'; readonly id: number; readonly version: number; readonly value: string | null };
type BackupRequest = { readonly t: 'replicate'; readonly state: RegisterState } | { readonly t: 'fetch' };
type BackupReply = { readonly t: 'state'; readonly state: RegisterState };

/** Wait before a node reconnects to a peer that refused or dropped it. */
export const RECONNECT_DELAY_MS = 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeMessage(message: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

export function decodeMessage<T>(body: Uint8Array): T {
  return JSON.parse(decoder.decode(body)) as T;
}

// --- durable state ---------------------------------------------------------------------------

export async function loadRegister(disk: Disk, dataDir: string): Promise<RegisterState> {
  await disk.mkdirp(dataDir);
  await disk.fsyncDir('/');
  const bytes = await disk.read(`${dataDir}/register`);
  return bytes === null ? EMPTY_REGISTER : decodeMessage<RegisterState>(bytes);
}

/** Makes `state` durable: after it returns, a crash (even a power loss) leaves `state`. */
export async function storeRegister(disk: Disk, dataDir: string, state: RegisterState): Promise<void> {
  await disk.writeFile(`${dataDir}/register.tmp`, encodeMessage(state));
  await disk.fsync(`${dataDir}/register.tmp`);
  await disk.rename(`${dataDir}/register.tmp`, `${dataDir}/register`);
  await disk.fsyncDir(dataDir);
}

// --- a connection with one request at a time -------------------------------------------------

/**
 * A client side of one connection: `request` sends a frame and resolves with the next frame
 * that comes back, or with null when the connection closes or `timeoutMs` passes first (the
 * connection is then closed: a late reply must not answer the next request).
 */
export class RequestChannel {
  private waiting: ((reply: Uint8Array | null) => void) | null = null;
  closed = false;

  constructor(
    private readonly connection: Connection,
    private readonly clock: Clock,
  ) {
    connection.setHandlers({
      onFrame: (body) => this.settle(body),
      onClose: () => {
        this.closed = true;
        this.settle(null);
      },
    });
  }

  static async open(transport: Transport, address: HostPort, clock: Clock): Promise<RequestChannel | null> {
    try {
      return new RequestChannel(await transport.connect(address), clock);
    } catch {
      return null; // refused, timed out, host down: the caller retries
    }
  }

  request(message: unknown, timeoutMs: number): Promise<Uint8Array | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.close();
        this.settle(null);
      });
      this.waiting = (reply) => {
        timer.cancel();
        resolve(reply);
      };
      this.connection.send(encodeMessage(message));
    });
  }

  close(): void {
    this.closed = true;
    this.connection.close();
  }

  private settle(reply: Uint8Array | null): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(reply);
  }
}

// --- backup ----------------------------------------------------------------------------------

export interface BackupOptions {
  readonly dataDir: string;
  readonly port: number;
}

/** The backup: holds the register durably and answers `replicate` and `fetch`, one at a time. */
export function backupProgram(options: BackupOptions): Program {
  return async ({ disk, transport, host, trace }: NodePorts) => {
    let state = await loadRegister(disk, options.dataDir);
    trace('register.loaded', { version: state.version });
    let queue: Promise<void> = Promise.resolve();
    const handle = async (connection: Connection, request: BackupRequest): Promise<void> => {
      if (request.t === 'replicate' && request.state.version > state.version) {
        await storeRegister(disk, options.dataDir, request.state);
        state = request.state;
        trace('register.stored', { version: state.version });
      }
      const reply: BackupReply = { t: 'state', state };
      connection.send(encodeMessage(reply));
    };
    await transport.listen({ host, port: options.port }, (connection) => {
      connection.setHandlers({
        onFrame: (body) => {
          const request = decodeMessage<BackupRequest>(body);
          queue = queue.then(() => handle(connection, request));
        },
        onClose: () => {},
      });
    });
    return {};
  };
}

// --- primary ---------------------------------------------------------------------------------

export interface PrimaryOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly backup: HostPort;
  /** How long the primary waits for one answer of the backup before it reconnects. */
  readonly backupTimeoutMs: number;
  readonly bugs?: RegisterBugs;
}

/** The primary: recovers from its disk and the backup, then serves reads and writes. */
export function primaryProgram(options: PrimaryOptions): Program {
  return async ({ disk, transport, clock, host, trace }: NodePorts) => {
    let channel: RequestChannel | null = null;
    /** Sends one request to the backup until it answers, reconnecting as often as it takes. */
    const askBackup = async (request: BackupRequest): Promise<RegisterState> => {
      for (;;) {
        if (channel === null || channel.closed) channel = await RequestChannel.open(transport, options.backup, clock);
        const reply = channel === null ? null : await channel.request(request, options.backupTimeoutMs);
        if (reply !== null) return decodeMessage<BackupReply>(reply).state;
        await sleep(clock, RECONNECT_DELAY_MS);
      }
    };

    // The replicator ships the latest durable state to the backup until the backup holds it;
    // `replicated` is the highest version the backup has confirmed holding durably.
    let latest: RegisterState = EMPTY_REGISTER;
    let replicated = 0;
    let replicating: Promise<void> | null = null;
    const replicate = (): Promise<void> => {
      if (replicating !== null) return replicating;
      const run = (async () => {
        while (latest.version > replicated) {
          const state = latest;
          if ((await askBackup({ t: 'replicate', state })).version >= state.version) replicated = state.version;
        }
      })();
      replicating = run;
      const done = (): void => {
        if (replicating === run) replicating = null;
      };
      run.then(done, done);
      return run;
    };
    const replicatedAtLeast = async (version: number): Promise<void> => {
      while (replicated < version) await replicate();
    };

    // Recovery: the higher of the two copies, durable on both before anything is served.
    const local = await loadRegister(disk, options.dataDir);
    const remote = await askBackup({ t: 'fetch' });
    latest = remote.version > local.version ? remote : local;
    replicated = remote.version;
    if (latest.version > local.version) await storeRegister(disk, options.dataDir, latest);
    await replicatedAtLeast(latest.version);
    let committed = latest;
    trace('register.recovered', { local: local.version, backup: remote.version, version: committed.version });

    // Writes, one at a time: durable here, then (unless the bug is on) durable on the backup,
    // then committed and acknowledged.
    let writes: Promise<void> = Promise.resolve();
    const write = async (connection: Connection, id: number, value: string): Promise<void> => {
      const next: RegisterState = { version: latest.version + 1, value };
      await storeRegister(disk, options.dataDir, next);
      latest = next;
      if (options.bugs?.ackBeforeBackup === true) void replicate();
      else await replicatedAtLeast(next.version);
      committed = next;
      const reply: ClientReply = { t: 'written', id, version: next.version };
      connection.send(encodeMessage(reply));
    };

    await transport.listen({ host, port: options.port }, (connection) => {
      connection.setHandlers({
        onFrame: (body) => {
          const request = decodeMessage<ClientRequest>(body);
          if (request.t === 'read') {
            const reply: ClientReply = { t: 'value', id: request.id, version: committed.version, value: committed.value };
            connection.send(encodeMessage(reply));
          } else {
            writes = writes.then(() => write(connection, request.id, request.value));
          }
        },
        onClose: () => {},
      });
    });
    trace('register.serving', { address: formatHostPort({ host, port: options.port }) });
    return {};
  };
}
