// The port conformance suites: each registers vitest tests for one port against a factory, so
// the Node ports and the simulator's ports are held to the same contracts of drivers/ports.ts.
export { clockConformance, type ClockFixture } from './clock.js';
export { diskConformance, type DiskFixture } from './disk.js';
export { record, transportConformance, type RecordedConnection, type TransportFixture } from './transport.js';
