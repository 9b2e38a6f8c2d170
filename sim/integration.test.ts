// Smoke test that the world runs the product's real code unchanged: the file driver, the
// serving node and the protocol server on one node, the client library on another, through
// the simulated ports, across a power-loss crash and a restart of the server. The workloads
// and checkers proper are built elsewhere on top of the world; this only shows the wiring.
import { describe, expect, it } from 'vitest';
import { createClientCore } from '../drivers/client/index.js';
import { FileDriver } from '../drivers/file/file-driver.js';
import { ProtocolServer } from '../drivers/server/protocol-server.js';
import { ServingNode } from '../drivers/server/serving-node.js';
import type { Program } from './process.js';
import { World } from './world.js';

const server: Program = async ({ disk, transport, clock, host }) => {
  const driver = await FileDriver.open(disk, '/data');
  const node = new ServingNode({ driver, clock });
  node.start();
  await node.waitUntilServing(10_000);
  const protocol = await ProtocolServer.start({ node, transport, clock, listen: { host, port: 50551 } });
  return {
    stop: async () => {
      await protocol.close(100);
      await node.close();
      await driver.close();
    },
  };
};

async function scenario(seed: number): Promise<{ world: World; got: Array<{ t: number; ts: bigint }>; errors: string[] }> {
  const world = new World({ seed, trace: { keep: false } });
  const got: Array<{ t: number; ts: bigint }> = [];
  const errors: string[] = [];
  world.addNode({ name: 'tso', program: server });
  world.addNode({
    name: 'cli',
    program: async ({ transport, clock, random }) => {
      const client = createClientCore({ endpoints: ['tso:50551'], transport, clock, random });
      const loop = async (): Promise<void> => {
        for (;;) {
          try {
            got.push({ t: world.nowMs, ts: await client.getTs() });
          } catch (error) {
            errors.push((error as { code?: string }).code ?? String(error));
          }
          await new Promise<void>((resolve) => clock.setTimer(10, resolve));
        }
      };
      void loop();
      return {};
    },
  });
  world.at(500, () => world.crash('tso'));
  world.at(700, () => world.start('tso'));
  const report = await world.run({ untilMs: 2_000 });
  expect(report.failures).toEqual([]);
  return { world, got, errors };
}

describe('the real server, driver and client in the world', () => {
  it('hands out strictly increasing timestamps across a crash and restart of the file-driver server', async () => {
    const { got } = await scenario(1);
    expect(got.filter((g) => g.t < 500).length).toBeGreaterThan(10);
    expect(got.filter((g) => g.t > 700).length).toBeGreaterThan(10);
    for (let i = 1; i < got.length; i++) expect(got[i]?.ts).toBeGreaterThan(got[i - 1]?.ts as bigint);
  });

  it('is deterministic end to end: the same seed gives the same trace hash', async () => {
    const a = await scenario(9);
    const b = await scenario(9);
    expect(b.world.trace.hash).toBe(a.world.trace.hash);
    expect(b.got).toEqual(a.got);
  });
});
