// The Raft hint rule of the gRPC port: a leader's gRPC endpoint is its service host and its
// service port plus the offset this node runs with (--grpc-listen port − service port).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grpcEndpointByPortOffset } from './grpc-server.js';

describe('grpcEndpointByPortOffset', () => {
  it('moves the service port by the offset and keeps the host, IPv6 brackets included', () => {
    expect(grpcEndpointByPortOffset(4)('10.0.0.2:50551')).toBe('10.0.0.2:50555');
    expect(grpcEndpointByPortOffset(-1)('[::1]:7000')).toBe('[::1]:6999');
    expect(grpcEndpointByPortOffset(0)('h:1')).toBe('h:1');
  });

  it('gives no endpoint when the result is not a port or the endpoint has none', () => {
    expect(grpcEndpointByPortOffset(10)('h:65530')).toBeNull();
    expect(grpcEndpointByPortOffset(-5)('h:5')).toBeNull();
    expect(grpcEndpointByPortOffset(1)('no-port')).toBeNull();
  });

  it('is undone by the opposite offset for every port it maps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65_535 }), fc.integer({ min: -65_535, max: 65_535 }), (port, offset) => {
        const mapped = grpcEndpointByPortOffset(offset)(`h:${port}`);
        if (mapped !== null) expect(grpcEndpointByPortOffset(-offset)(mapped)).toBe(`h:${port}`);
        else expect(port + offset < 1 || port + offset > 65_535).toBe(true);
      }),
    );
  });
});
