// Self-driving port wrappers for test code that awaits port operations from OUTSIDE the
// world (a conformance suite, a scripted test): each promise-returning call runs the world
// until that promise settles. Inside programs, use the plain ports: the world already runs.
// Synchronous calls (send, close, setHandlers, setTimer, wallMs) pass straight through; frames
// and timers move whenever the world runs (`world.runUntil`).

import type { AppendHandle, Connection, Disk, DiskLock, Listener, Transport } from '../drivers/ports.js';
import type { World } from './world.js';

/** A Disk whose every operation drives `world` until it settles. */
export function drivenDisk(world: World, disk: Disk): Disk {
  const drive = <T>(p: Promise<T>): Promise<T> => world.settle(p);
  const drivenLock = (lock: DiskLock): DiskLock => ({ release: () => drive(lock.release()) });
  const drivenHandle = (handle: AppendHandle): AppendHandle => ({
    append: (data) => drive(handle.append(data)),
    sync: () => drive(handle.sync()),
    close: () => drive(handle.close()),
  });
  return {
    read: (path) => drive(disk.read(path)),
    write: (path, offset, data) => drive(disk.write(path, offset, data)),
    writeFile: (path, data) => drive(disk.writeFile(path, data)),
    append: (path, data) => drive(disk.append(path, data)),
    openAppend: async (path, options) => drivenHandle(await drive(disk.openAppend(path, options))),
    truncate: (path, length) => drive(disk.truncate(path, length)),
    fsync: (path) => drive(disk.fsync(path)),
    rename: (from, to) => drive(disk.rename(from, to)),
    fsyncDir: (dir) => drive(disk.fsyncDir(dir)),
    mkdirp: (dir) => drive(disk.mkdirp(dir)),
    remove: (path) => drive(disk.remove(path)),
    list: (dir) => drive(disk.list(dir)),
    size: (path) => drive(disk.size(path)),
    lock: async (path) => drivenLock(await drive(disk.lock(path))),
  };
}

/** A Transport whose listen, connect and Listener.close drive `world` until they settle. */
export function drivenTransport(world: World, transport: Transport): Transport {
  const drivenListener = (listener: Listener): Listener => ({
    address: listener.address,
    close: () => world.settle(listener.close()),
  });
  return {
    listen: async (address, onConnection: (connection: Connection) => void) => drivenListener(await world.settle(transport.listen(address, onConnection))),
    connect: (address) => world.settle(transport.connect(address)),
  };
}
