// The Node implementations of the ports (drivers/ports.ts): real files with fsync and flock,
// TCP with u32-length-prefixed frames, and the process clock. Only these files and runners/
// touch `node:*`; everything else sees the port interfaces.
export { CLOCK_TIMERS_PENDING_MAX, NodeClock } from './clock.js';
export { NodeDisk, toDiskError } from './disk.js';
export { CONNECTION_CLOSE_LINGER_MS, NodeTransport, TRANSPORT_CONNECT_TIMEOUT_MS_DEFAULT, TRANSPORT_SEND_BUFFER_BYTES_MAX_DEFAULT, } from './transport.js';
//# sourceMappingURL=index.js.map