// The embeddable server's gRPC port: starts the tsoracle.v1.TsoService listener
// (drivers/grpc/tso-grpc-server.ts) on the server's own ServingNode and counts every finished
// call in the server's Prometheus registry as
// `tsoracle_grpc_requests_total{method="GetTs",code="OK"}` (the gRPC status name). A port that
// cannot be bound is reported naming --grpc-listen and the address (listenError).
//
// The default is off (docs/grpc.md): the original's default client port, 50551, is this
// package's native port already, and a second client port nobody asked for is one more open
// port to secure.

import client from 'prom-client';
import type { TsoGrpcServer } from '../drivers/grpc/tso-grpc-server.js';
import type { AuthToken } from '../drivers/node/auth-token.js';
import type { TlsServerOptions } from '../drivers/node/transport.js';
import type { HostPort } from '../drivers/ports.js';
import type { ServingNode } from '../drivers/server/serving-node.js';

export interface GrpcListenerOptions {
  readonly node: ServingNode;
  readonly listen: HostPort;
  readonly registry: client.Registry;
  /** The leader's gRPC endpoint from its native service endpoint (see TsoGrpcServerOptions). */
  readonly hintEndpoint?: (serviceEndpoint: string) => string | null;
  /** TLS (mTLS with `ca`) on the gRPC port. */
  readonly tls?: TlsServerOptions;
  /** Every call must carry this token (`authorization: Bearer <token>`). */
  readonly authToken?: AuthToken;
}

export async function startGrpcListener(options: GrpcListenerOptions): Promise<TsoGrpcServer> {
  const requests = new client.Counter({
    name: 'tsoracle_grpc_requests_total',
    help: 'tsoracle.v1.TsoService calls answered, by method and gRPC status code name (OK, FAILED_PRECONDITION, UNIMPLEMENTED, ...).',
    labelNames: ['method', 'code'],
    registers: [options.registry],
  });
  // grpc-js is loaded only when a gRPC port is asked for (this module is imported by every server).
  const { TsoGrpcServer } = await import('../drivers/grpc/tso-grpc-server.js');
  return TsoGrpcServer.start({
    node: options.node,
    listen: options.listen,
    onRequest: (method, code) => requests.inc({ method, code }),
    ...(options.hintEndpoint !== undefined ? { hintEndpoint: options.hintEndpoint } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.authToken !== undefined ? { authToken: options.authToken } : {}),
  });
}

/**
 * The gRPC hint of a Raft cluster: every node's gRPC port is its service port plus the same
 * offset as this node's (`--grpc-listen` port − service port), on the service host. Null when
 * the result is not a port.
 */
export function grpcEndpointByPortOffset(offset: number): (serviceEndpoint: string) => string | null {
  return (serviceEndpoint) => {
    const colon = serviceEndpoint.lastIndexOf(':');
    const port = Number(serviceEndpoint.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port) || port + offset < 1 || port + offset > 65_535) return null;
    return `${serviceEndpoint.slice(0, colon)}:${port + offset}`;
  };
}
