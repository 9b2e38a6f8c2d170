// The benchmark's minimal RESP client: decoding replies that arrive whole, split or several per
// chunk, and pipelined commands against a fake server (no Redis needed).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RespClient, RespError, decodeReplies, encodeCommand } from './resp.js';

describe('RESP', () => {
  it('encodes a command as an array of bulk strings', () => {
    expect(encodeCommand(['INCR', 'k']).toString()).toBe('*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n');
  });

  it('decodes whole replies and leaves a partial one for later', () => {
    const { replies, consumed } = decodeReplies(Buffer.from('+PONG\r\n:42\r\n-ERR no\r\n$3\r\nabc\r\n$-1\r\n$5\r\nab'));
    expect(replies.slice(0, 2)).toEqual(['PONG', 42]);
    expect(replies[2]).toBeInstanceOf(RespError);
    expect(replies.slice(3)).toEqual(['abc', null]);
    expect(consumed).toBe(Buffer.from('+PONG\r\n:42\r\n-ERR no\r\n$3\r\nabc\r\n$-1\r\n').length);
  });

  it('pipelines commands and answers them in order across split chunks', async () => {
    let counter = 0;
    const server = net.createServer((socket) => {
      let pendingReplies = '';
      socket.on('data', (chunk: Buffer) => {
        const commands = chunk.toString().split('*2\r\n').length - 1;
        for (let i = 0; i < commands; i++) pendingReplies += `:${++counter}\r\n`;
        // Answer one byte at a time: every reply is split across chunks.
        const bytes = pendingReplies;
        pendingReplies = '';
        for (const byte of bytes) socket.write(byte);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const client = await RespClient.connect('127.0.0.1', port);
    try {
      const replies = await Promise.all(Array.from({ length: 50 }, () => client.command('INCR', 'k')));
      expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    } finally {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await expect(client.command('INCR', 'k')).rejects.toThrow(/closed/);
  });
});
