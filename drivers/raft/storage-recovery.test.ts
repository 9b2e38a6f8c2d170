// Raft storage recovery in the simulated world, where the durable image of a disk can be read:
// what a start loads is made durable before the node acts on it.
import { describe, expect, it } from 'vitest';
import { encodeWalRecord, scanWal } from '../../core/raft/index.js';
import { World } from '../../sim/world.js';
import { encodeRaftMeta } from './meta.js';
import { RaftStorage } from './storage.js';

const META = { nodeId: 1, cluster: '1=n1:50552' };

describe('RaftStorage.open', () => {
  it('makes a WAL that only the page cache holds durable before the node acts on it (3-node simulator seed 4023)', async () => {
    const world = new World({ seed: 1, trace: { keep: false } });
    world.addNode({ name: 'n1', start: false });
    const disk = world.node('n1').disk;
    // A process created the directory's meta and WAL, synced the files but died (kill -9) before
    // syncing the directory: the names are in the page cache only.
    world.start('n1', async ({ disk: port }) => {
      await port.mkdirp('/data/raft');
      await port.writeFile('/data/raft/meta.tmp', encodeRaftMeta(META));
      await port.fsync('/data/raft/meta.tmp');
      await port.rename('/data/raft/meta.tmp', '/data/raft/meta');
      await port.append('/data/raft/wal', encodeWalRecord({ kind: 'hard-state', hardState: { term: 4, vote: 2, commit: 0 } }));
      await port.fsync('/data/raft/wal');
    });
    await world.run();
    world.crash('n1', { keepPageCache: true });
    expect(disk.inspect().durable.files.get('/data/raft/wal')).toBeUndefined();

    // The next start recovers term 4 and vote 2 from the page cache: it must make them durable,
    // or a power loss would let this node vote again in term 4.
    let term = -1;
    world.start('n1', async ({ disk: port }) => {
      const { storage, recovered } = await RaftStorage.open({ disk: port, dataDir: '/data', meta: META });
      term = recovered.persisted.hardState.term;
      await storage.close();
    });
    await world.run();
    expect(term).toBe(4);
    const durable = disk.inspect().durable.files;
    const wal = durable.get('/data/raft/wal');
    expect(wal, 'the WAL is durable').toBeDefined();
    expect(scanWal(wal as Uint8Array).records).toEqual([{ kind: 'hard-state', hardState: { term: 4, vote: 2, commit: 0 } }]);
    expect(durable.get('/data/raft/meta')).toBeDefined();
  });
});
