// The built-in `file` driver as a SimDriverModule: one node running the product's FileDriver on
// the simulated disk. Its extras give the checkers the durable image of the data directory as
// ground truth (durable.ts: the bytes a power loss would leave, decoded by the driver's own
// recovery), mark that image changed at every sync in the directory, and check at a crash that
// the high-water the driver published is durable. Its planted bugs (skipDirFsync,
// publishHighWaterBeforeFsync) are switched on here.

import { FileDriver } from '../../drivers/file/file-driver.js';
import type { TraceEntry } from '../trace.js';
import { DurableView } from './durable.js';
import type { SimDriverContext, SimDriverModule, SimRunAccess, SimDriverExtras } from './drivers.js';

export const FILE_SIM_DRIVER: SimDriverModule = {
  name: 'file',
  nodeCounts: [1],
  createDriver: (context: SimDriverContext) => openFileDriver(context),
  extras: (run: SimRunAccess): SimDriverExtras => {
    const name = run.names[0] as string;
    const dataDir = '/data';
    const durable = new DurableView(run.world.node(name).disk, dataDir);
    return {
      groundTruth: durable,
      onTrace: (entry: TraceEntry) => {
        const kind = entry.kind;
        if (kind !== 'disk.fsyncDir' && kind !== 'disk.fsync') return;
        // The durable records change when the directory is synced (a rename lands) or a record
        // itself is synced; a failed sync changes nothing.
        if (!entry.node.startsWith(`${name}#`) || entry.details?.error !== undefined) return;
        const path = kind === 'disk.fsyncDir' ? entry.details?.dir : entry.details?.path;
        if (typeof path === 'string' && (path === dataDir || path.startsWith(`${dataDir}/`))) durable.markChanged();
      },
      publishedAtCrash: (_name, driver) => (driver instanceof FileDriver ? driver.durableHighWaterMs : null),
      onCrash: () => durable.markChanged(),
    };
  },
};

function openFileDriver(context: SimDriverContext): Promise<FileDriver> {
  const planted = context.planted;
  const { journalCompactBytes, journalZeroFillBytes } = context.options.rare;
  return FileDriver.open(context.disk, context.dataDir, {
    ...(journalCompactBytes === null ? {} : { journalCompactBytes }),
    ...(journalZeroFillBytes === null ? {} : { journalZeroFillBytes }),
    faults: { skipDirFsync: planted === 'skipDirFsync', publishHighWaterBeforeFsync: planted === 'publishHighWaterBeforeFsync', answerLeasesBeforeDurable: planted === 'answerLeasesBeforeDurable' },
  });
}
