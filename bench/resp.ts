// A minimal Redis client for the benchmark: RESP2 over one TCP connection, commands pipelined
// (every caller's command is written at once; replies come back in order and settle the oldest
// pending call). Enough for PING and INCR: simple strings, errors, integers, bulk strings and
// nil; arrays are refused. Not a general client.
import net from 'node:net';

export type RespReply = string | number | null;

export class RespError extends Error {
  override readonly name = 'RespError';
}

interface Pending {
  resolve(reply: RespReply): void;
  reject(error: Error): void;
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

/**
 * Decodes as many whole replies as `buffer` holds from `offset`. Returns the replies (an Error for
 * a RESP error) and the offset of the first byte not consumed (a partial reply waits for more).
 */
export function decodeReplies(buffer: Buffer, offset = 0): { replies: Array<RespReply | RespError>; consumed: number } {
  const replies: Array<RespReply | RespError> = [];
  let at = offset;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const type = String.fromCharCode(buffer[at] ?? 0);
    const line = buffer.toString('latin1', at + 1, lineEnd);
    if (type === '+') {
      replies.push(line);
      at = lineEnd + 2;
    } else if (type === '-') {
      replies.push(new RespError(line));
      at = lineEnd + 2;
    } else if (type === ':') {
      replies.push(Number(line));
      at = lineEnd + 2;
    } else if (type === '$') {
      const length = Number(line);
      if (length < 0) {
        replies.push(null);
        at = lineEnd + 2;
        continue;
      }
      const end = lineEnd + 2 + length;
      if (buffer.length < end + 2) break;
      replies.push(buffer.toString('utf8', lineEnd + 2, end));
      at = end + 2;
    } else {
      throw new RespError(`unsupported RESP reply type ${JSON.stringify(type)}`);
    }
  }
  return { replies, consumed: at };
}

export class RespClient {
  private readonly pending: Pending[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new RespError('connection closed')));
  }

  static connect(host: string, port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RespClient(socket));
      });
    });
  }

  command(...args: string[]): Promise<RespReply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.fail(new RespError('client closed'));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let decoded: ReturnType<typeof decodeReplies>;
    try {
      decoded = decodeReplies(this.buffered);
    } catch (e) {
      this.fail(e instanceof Error ? e : new RespError(String(e)));
      this.socket.destroy();
      return;
    }
    this.buffered = decoded.consumed === this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(decoded.consumed);
    for (const reply of decoded.replies) {
      const waiter = this.pending.shift();
      if (waiter === undefined) continue;
      if (reply instanceof RespError) waiter.reject(reply);
      else waiter.resolve(reply);
    }
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
  }
}
