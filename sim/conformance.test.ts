// The simulator's ports against the shared port conformance suites (drivers/conformance), the
// same suites the Node ports pass: the simulation models what production does. Test code
// awaits port operations from outside the world, so the ports are wrapped to drive the world
// until each operation settles (sim/driven.ts), and `until` runs the world.
import { clockConformance, diskConformance, transportConformance } from '../drivers/conformance/index.js';
import { drivenDisk, drivenTransport } from './driven.js';
import { World } from './world.js';

let worldSeed = 1;

async function worldWith(names: readonly string[]): Promise<World> {
  const world = new World({ seed: `conformance-${worldSeed++}` });
  for (const name of names) world.addNode({ name, program: async () => ({}) });
  await world.run();
  return world;
}

function until(world: World) {
  return async (done: () => boolean, what: string): Promise<void> => {
    if (!(await world.runUntil(done, { maxEvents: 2_000_000, untilMs: world.nowMs + 600_000 }))) {
      throw new Error(`timed out (virtual) waiting for ${what}`);
    }
  };
}

diskConformance('SimDisk', async () => {
  const world = await worldWith(['n1']);
  const disk = drivenDisk(world, world.portsOf('n1').disk);
  await disk.mkdirp('/data/test');
  return {
    disk,
    dir: '/data/test',
    crashAndReopen: async () => {
      world.restart('n1');
      await world.run();
      return drivenDisk(world, world.portsOf('n1').disk);
    },
  };
});

transportConformance('SimNetwork', async () => {
  const world = await worldWith(['server', 'client']);
  return {
    server: drivenTransport(world, world.portsOf('server').transport),
    client: drivenTransport(world, world.portsOf('client').transport),
    listenAddress: { host: 'server', port: 0 },
    closedAddress: async () => ({ host: 'server', port: 1 }),
    until: until(world),
  };
});

clockConformance('SimClock', async () => {
  const world = await worldWith(['n1']);
  return { clock: world.portsOf('n1').clock, until: until(world) };
});
