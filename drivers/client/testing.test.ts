// The test support keeps the port contracts the client tests rely on: the manual clock fires in
// deadline order, the in-memory transport delivers whole frames in order and closes both ends.
import { describe, expect, it } from 'vitest';
import type { Connection } from '../ports.js';
import { InMemoryTransport, ManualClock, settle } from './testing.js';

describe('ManualClock', () => {
  it('fires timers in deadline order, ties in creation order, and skips cancelled ones', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push('b'));
    clock.setTimer(10, () => fired.push('a'));
    clock.setTimer(20, () => fired.push('c'));
    clock.setTimer(15, () => fired.push('never')).cancel();
    clock.advanceBy(25);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.monotonicMs()).toBe(25);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('InMemoryTransport', () => {
  it('delivers frames in order, buffers them until handlers are set, and closes both ends once', async () => {
    const transport = new InMemoryTransport();
    let server: Connection | null = null;
    await transport.listen({ host: 'h', port: 1 }, (c) => {
      server = c;
    });
    const client = await transport.connect({ host: 'h', port: 1 });
    client.send(new Uint8Array([1]));
    client.send(new Uint8Array([2]));
    await settle();
    const got: number[] = [];
    let serverCloses = 0;
    let clientCloses = 0;
    server!.setHandlers({ onFrame: (b) => got.push(b[0]!), onClose: () => (serverCloses += 1) });
    client.setHandlers({ onFrame: () => {}, onClose: () => (clientCloses += 1) });
    client.send(new Uint8Array([3]));
    client.close();
    client.send(new Uint8Array([4])); // dropped: closed
    client.close();
    await settle();
    expect(got).toEqual([1, 2, 3]);
    expect([serverCloses, clientCloses]).toEqual([1, 1]);
    expect(transport.openConnections('h:1')).toBe(0);
  });

  it('refuses connections to an endpoint nobody listens on or that is unreachable', async () => {
    const transport = new InMemoryTransport();
    await expect(transport.connect({ host: 'h', port: 2 })).rejects.toMatchObject({ code: 'TRANSPORT' });
    await transport.listen({ host: 'h', port: 2 }, () => {});
    transport.setReachable('h:2', false);
    await expect(transport.connect({ host: 'h', port: 2 })).rejects.toMatchObject({ code: 'TRANSPORT' });
  });
});
