// Conformance suite of the Transport port, written against drivers/ports.ts only, so the Node
// transport and the simulator's network keep one contract: whole frames in order both ways (up
// to the maximum body), frames that arrive before handlers are installed are not lost, close is
// seen by the other side and flushes what was sent, a closed connection swallows sends, and
// connecting where nothing listens fails with TsoError(TRANSPORT).
//
// The fixture provides a server-side and a client-side Transport (they may be the same object),
// where to listen, an address where nothing listens, and `until`, which lets time pass until a
// condition holds (real waiting for Node, scheduler steps for a simulation) and rejects past
// the fixture's bound so that a broken transport fails instead of hanging.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { FRAME_BODY_BYTES_MAX } from '../../core/limits.js';
import type { Connection, HostPort, Listener, Transport } from '../ports.js';

export interface TransportFixture {
  readonly server: Transport;
  readonly client: Transport;
  /** Where the server side listens (port 0: any free port, reported by the Listener). */
  readonly listenAddress: HostPort;
  /** An address where nothing listens. */
  closedAddress(): Promise<HostPort>;
  /** Lets time pass until `done()` is true; rejects (naming `what`) past the fixture's bound. */
  until(done: () => boolean, what: string): Promise<void>;
  /** Largest frame body the transport carries (default FRAME_BODY_BYTES_MAX). */
  readonly frameBodyBytesMax?: number;
  readonly dispose?: () => Promise<void>;
}

/** A connection with recording handlers. */
export interface RecordedConnection {
  readonly connection: Connection;
  readonly frames: Uint8Array[];
  readonly closes: Array<{ code: string; message: string } | undefined>;
}

export function record(connection: Connection): RecordedConnection {
  const recorded: RecordedConnection = { connection, frames: [], closes: [] };
  connection.setHandlers({
    onFrame: (body) => recorded.frames.push(body),
    onClose: (reason) => recorded.closes.push(reason),
  });
  return recorded;
}

/** Deterministic filler so a reordered or corrupted frame is caught. */
function patterned(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2_654_435_761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Expects `got` to hold exactly the bodies of `want`, in order. (A plain deep equality of
 * thousands of typed arrays is far too slow in the test runner's matcher.)
 */
function expectFrames(got: readonly Uint8Array[] | undefined, want: readonly Uint8Array[]): void {
  expect(got?.length).toBe(want.length);
  const firstMismatch = want.findIndex((body, i) => !sameBytes(got?.[i], body));
  expect(firstMismatch).toBe(-1);
}

export function transportConformance(name: string, makeTransport: () => Promise<TransportFixture>): void {
  describe(`Transport conformance: ${name}`, () => {
    let cleanups: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      const done = cleanups.reverse();
      cleanups = [];
      for (const cleanup of done) await cleanup();
    });

    /** A fixture with a listener whose accepted connections are recorded (or left unhandled). */
    async function pair(options: { handleAccepted?: boolean } = {}) {
      const fixture = await makeTransport();
      cleanups.push(async () => fixture.dispose?.());
      const accepted: Connection[] = [];
      const served: RecordedConnection[] = [];
      const listener: Listener = await fixture.server.listen(fixture.listenAddress, (connection) => {
        accepted.push(connection);
        if (options.handleAccepted !== false) served.push(record(connection));
      });
      cleanups.push(() => listener.close());
      const dial = async (): Promise<RecordedConnection> => {
        const connection = await fixture.client.connect(listener.address);
        cleanups.push(() => connection.close());
        return record(connection);
      };
      return { fixture, listener, accepted, served, dial, until: fixture.until };
    }

    it('delivers whole frames in order, both ways', async () => {
      const { served, dial, until } = await pair();
      const client = await dial();
      for (const n of [1, 2, 3]) client.connection.send(new Uint8Array([n, n, n]));
      await until(() => (served[0]?.frames.length ?? 0) === 3, 'three frames at the server');
      const server = served[0];
      expect(server?.frames).toEqual([new Uint8Array([1, 1, 1]), new Uint8Array([2, 2, 2]), new Uint8Array([3, 3, 3])]);
      for (const n of [4, 5]) server?.connection.send(new Uint8Array([n]));
      await until(() => client.frames.length === 2, 'two frames at the client');
      expect(client.frames).toEqual([new Uint8Array([4]), new Uint8Array([5])]);
    });

    it('carries frames of the maximum body size intact, both ways', async () => {
      const { fixture, served, dial, until } = await pair();
      const max = fixture.frameBodyBytesMax ?? FRAME_BODY_BYTES_MAX;
      const client = await dial();
      const big = [patterned(max, 1), patterned(max - 1, 2), patterned(max, 3)];
      for (const body of big) client.connection.send(body);
      await until(() => (served[0]?.frames.length ?? 0) === 3, 'three large frames at the server');
      expectFrames(served[0]?.frames, big);
      served[0]?.connection.send(big[0] ?? new Uint8Array(1));
      await until(() => client.frames.length === 1, 'a large frame at the client');
      expectFrames(client.frames, big.slice(0, 1));
    });

    it('delivers many pipelined frames of mixed sizes in order, both ways', async () => {
      const { fixture, served, dial, until } = await pair();
      const max = fixture.frameBodyBytesMax ?? FRAME_BODY_BYTES_MAX;
      const client = await dial();
      const count = 1_500;
      const bodies = Array.from({ length: count }, (_, i) => patterned(1 + ((i * 7919) % Math.min(max, 3_000)), i));
      for (const body of bodies) client.connection.send(body);
      await until(() => (served[0]?.frames.length ?? 0) === count, 'all frames at the server');
      expectFrames(served[0]?.frames, bodies);
      // Echo them back, one send per received frame.
      for (const body of served[0]?.frames ?? []) served[0]?.connection.send(body);
      await until(() => client.frames.length === count, 'all frames back at the client');
      expectFrames(client.frames, bodies);
    });

    it('does not deliver what a sender changes in its buffer after send', async () => {
      const { served, dial, until } = await pair();
      const client = await dial();
      const body = new Uint8Array([1, 2, 3]);
      client.connection.send(body);
      body[0] = 99;
      await until(() => (served[0]?.frames.length ?? 0) === 1, 'one frame at the server');
      expect(served[0]?.frames[0]).toEqual(new Uint8Array([1, 2, 3]));
    });

    it('keeps frames that arrive before the handlers are installed, and delivers them in order', async () => {
      const { accepted, dial, until } = await pair({ handleAccepted: false });
      const client = await dial();
      for (let n = 1; n <= 5; n++) client.connection.send(new Uint8Array([n]));
      await until(() => accepted.length === 1, 'the accepted connection');
      // Let time pass (polls of `until`) so the frames arrive before anyone listens.
      let polls = 0;
      await until(() => ++polls > 30, 'some time to pass');
      const server = accepted[0];
      expect(server).toBeDefined();
      if (server === undefined) return;
      const late = record(server);
      await until(() => late.frames.length === 5, 'five frames after setHandlers');
      expect(late.frames.map((f) => f[0])).toEqual([1, 2, 3, 4, 5]);
    });

    it('pauseReading holds frames (and the close) until resumeReading, then hands them over in order', async () => {
      const { served, dial, until } = await pair();
      const client = await dial();
      client.connection.send(new Uint8Array([1]));
      await until(() => (served[0]?.frames.length ?? 0) === 1, 'the first frame');
      const server = served[0];
      expect(server?.connection.pauseReading).toBeDefined();
      server?.connection.pauseReading?.();
      server?.connection.pauseReading?.(); // idempotent
      for (let n = 2; n <= 40; n++) client.connection.send(new Uint8Array([n, n]));
      client.connection.close();
      let polls = 0;
      await until(() => ++polls > 30, 'some time to pass');
      expect(server?.frames).toHaveLength(1);
      expect(server?.closes).toHaveLength(0);
      server?.connection.resumeReading?.();
      server?.connection.resumeReading?.(); // idempotent
      await until(() => server?.frames.length === 40 && server.closes.length === 1, 'the held frames and the close');
      expect(server?.frames.map((f) => f[0])).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });

    it('a close by the client is seen by the server once, without a reason', async () => {
      const { served, dial, until } = await pair();
      const client = await dial();
      client.connection.send(new Uint8Array([1]));
      await until(() => served.length === 1, 'the accepted connection');
      client.connection.close();
      client.connection.close(); // idempotent
      await until(() => (served[0]?.closes.length ?? 0) === 1 && client.closes.length === 1, 'both sides closed');
      expect(served[0]?.closes).toEqual([undefined]);
      expect(client.closes).toEqual([undefined]);
    });

    it('a close by the server is seen by the client', async () => {
      const { served, dial, until } = await pair();
      const client = await dial();
      client.connection.send(new Uint8Array([1]));
      await until(() => served.length === 1, 'the accepted connection');
      served[0]?.connection.close();
      await until(() => client.closes.length === 1, 'the client sees the close');
      expect(client.closes).toEqual([undefined]);
    });

    it('close flushes what was sent before it', async () => {
      const { served, dial, until } = await pair();
      const client = await dial();
      const bodies = Array.from({ length: 200 }, (_, i) => patterned(1 + (i % 50), i));
      for (const body of bodies) client.connection.send(body);
      client.connection.close();
      await until(() => (served[0]?.closes.length ?? 0) === 1, 'the server sees the close');
      expectFrames(served[0]?.frames, bodies);
    });

    it('send after close, or after the peer closed, does not throw and delivers nothing', async () => {
      const { served, dial, until } = await pair();
      const client = await dial();
      client.connection.send(new Uint8Array([1]));
      await until(() => (served[0]?.frames.length ?? 0) === 1, 'the first frame');
      client.connection.close();
      expect(() => client.connection.send(new Uint8Array([2]))).not.toThrow();
      await until(() => (served[0]?.closes.length ?? 0) === 1 && client.closes.length === 1, 'both sides closed');
      expect(() => served[0]?.connection.send(new Uint8Array([3]))).not.toThrow();
      expect(() => client.connection.send(new Uint8Array([4]))).not.toThrow();
      expect(served[0]?.frames).toEqual([new Uint8Array([1])]);
      expect(client.frames).toEqual([]);
    });

    it('connecting where nothing listens rejects with TsoError(TRANSPORT)', async () => {
      const fixture = await makeTransport();
      cleanups.push(async () => fixture.dispose?.());
      const address = await fixture.closedAddress();
      const error = await fixture.client.connect(address).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TsoError);
      expect((error as TsoError).code).toBe(ErrorCode.TRANSPORT);
    });

    it('closing the listener closes its accepted connections and refuses new ones', async () => {
      const { listener, served, dial, until, fixture } = await pair();
      const first = await dial();
      const second = await dial();
      await until(() => served.length === 2, 'two accepted connections');
      await listener.close();
      await until(
        () => first.closes.length === 1 && second.closes.length === 1 && served.every((s) => s.closes.length === 1),
        'both sides of both connections to see the close',
      );
      const error = await fixture.client.connect(listener.address).then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as TsoError | null)?.code).toBe(ErrorCode.TRANSPORT);
    });
  });
}
