export { CLOCK_TIMERS_PENDING_MAX, NodeClock, type NodeClockOptions } from './clock.js';
export { NodeDisk, toDiskError, type NodeDiskOptions } from './disk.js';
export { CONNECTION_CLOSE_LINGER_MS, NodeTransport, TRANSPORT_CONNECT_TIMEOUT_MS_DEFAULT, TRANSPORT_SEND_BUFFER_BYTES_MAX_DEFAULT, type NodeTransportOptions, } from './transport.js';
