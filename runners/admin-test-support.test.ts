// The port blocks of the real-process membership tests: consecutive, free, and outside the
// kernel's ephemeral range, so no outgoing connection can take one before its node binds it (the
// stop 33 flake of membership-process.test.ts).
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { consecutiveFreePorts, ephemeralPortRange } from './admin-test-support.js';

describe('consecutiveFreePorts', () => {
  it('gives a block of consecutive ports outside the ephemeral range, each bindable', async () => {
    const { low, high } = ephemeralPortRange();
    for (let round = 0; round < 20; round++) {
      const ports = await consecutiveFreePorts(30);
      expect(ports).toHaveLength(30);
      ports.forEach((port, i) => expect(port).toBe((ports[0] as number) + i));
      for (const port of ports) {
        expect(port < low || port > high, `port ${port} inside ${low}-${high}`).toBe(true);
        expect(port).toBeLessThanOrEqual(65_535);
      }
    }
    const [first] = await consecutiveFreePorts(1);
    await new Promise<void>((resolve, reject) => {
      const server = createServer().once('error', reject);
      server.listen(first, '127.0.0.1', () => server.close(() => resolve()));
    });
  });

  it('reads the range the kernel hands source ports from', () => {
    const { low, high } = ephemeralPortRange();
    expect(low).toBeGreaterThan(0);
    expect(high).toBeGreaterThanOrEqual(low);
    expect(high).toBeLessThanOrEqual(65_535);
  });
});
