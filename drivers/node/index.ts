// The Node implementations of the ports (drivers/ports.ts): real files with fsync and flock,
// TCP with u32-length-prefixed frames, and the process clock. Only these files and runners/
// touch `node:*`; everything else sees the port interfaces.
export { CLOCK_TIMERS_PENDING_MAX, NodeClock, type NodeClockOptions } from './clock.js';
export { NodeDisk, toDiskError, type NodeDiskOptions } from './disk.js';
export { NodeKeepAlive } from './keep-alive.js';
export {
  CONNECTION_CLOSE_LINGER_MS,
  NodeTransport,
  TRANSPORT_CONNECT_TIMEOUT_MS_DEFAULT,
  TRANSPORT_SEND_BUFFER_BYTES_MAX_DEFAULT,
  type NodeTransportOptions,
} from './transport.js';
