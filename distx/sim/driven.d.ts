import type { Disk, Transport } from '../drivers/ports.js';
import type { World } from './world.js';
/** A Disk whose every operation drives `world` until it settles. */
export declare function drivenDisk(world: World, disk: Disk): Disk;
/** A Transport whose listen, connect and Listener.close drive `world` until they settle. */
export declare function drivenTransport(world: World, transport: Transport): Transport;
