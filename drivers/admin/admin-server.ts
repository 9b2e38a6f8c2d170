// The membership admin API (tsoracle.admin.v1.MembershipAdmin, proto/tsoracle/admin/v1/admin.proto)
// on its own gRPC port, in front of a Raft driver's `members()` and `changeMembership()`. The
// answers follow the original's admin API (docs/cluster.md, "Membership changes"):
//   - ListMembers answers on any node, from its own log: every member with its role and addresses,
//     and the leader it knows (has_leader + leader).
//   - AddLearner, Promote and RemoveNode only on the leader: elsewhere ok=false, NOT_LEADER and the
//     leader's admin endpoint when known. Idempotent by node id (re-adding a member and removing a
//     stranger are ok), one change at a time (a change in flight is DRIVER with its message, as the
//     original folds it), promoting a stranger is NOT_MEMBER, removing the last voter
//     WOULD_LOSE_QUORUM, a learner not caught up NOT_CAUGHT_UP. A change is answered ok once its
//     config entry committed.
//   - A request that does not decode is INVALID_ARGUMENT and changes nothing.
// With `tls` the port speaks TLS only (the node's --tls-cert/--tls-key), and with `tls.ca` it
// requires a client certificate signed by that CA (mTLS). Off loopback it must be mTLS: the admin
// API changes the membership and has no other authentication, so a plaintext or server-only-TLS
// admin port off loopback is refused at start, as the original refuses a routable admin bind
// without its admin TLS flags. `reloadTls` swaps the TLS material for new handshakes (SIGHUP).
// close() is bounded: calls in flight get ADMIN_CLOSE_GRACE_MS, then every session is cut.
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { votersOf, type Membership, type MembershipChange } from '../../core/raft/index.js';
import { tlsServerContext, type TlsServerOptions } from '../node/transport.js';
import { formatHostPort, type HostPort } from '../ports.js';
import type { MembershipChangeOutcome } from '../raft/raft-driver.js';
import { unaryServiceDefinition, type Decoded } from '../grpc/tso-grpc-server.js';
import {
  ADMIN_RPC_CODECS,
  ADMIN_RPC_NAMES,
  ADMIN_SERVICE_NAME,
  AdminErrorKind,
  MemberRoleWire,
  type AddLearnerRequestWire,
  type AdminRpcName,
  type CapabilitiesReportWire,
  type ChangeResponseWire,
  type MembershipViewWire,
  type NodeIdRequestWire,
} from './admin-messages.js';

/** What the admin API needs of a Raft node (RaftDriver implements it). */
export interface MembershipAdminBackend {
  members(): { readonly membership: Membership; readonly membershipIndex: number; readonly leaderId: number | null };
  changeMembership(change: MembershipChange): Promise<MembershipChangeOutcome>;
}

export interface AdminServerOptions {
  readonly backend: MembershipAdminBackend;
  readonly nodeId: number;
  /** The canonical bootstrap peer list (drivers/raft/meta.ts), reported to joining nodes. */
  readonly cluster: string;
  readonly listen: HostPort;
  /** Serve TLS with this material; with `ca`, require client certificates signed by it. */
  readonly tls?: TlsServerOptions;
  /**
   * The admin endpoint of a member, for NOT_LEADER answers and the members list: the one its
   * membership entry carries, else this mapping (the bootstrap voters' are derived from their
   * service endpoints), else none.
   */
  readonly adminEndpointOf?: (id: number) => string | null;
  /**
   * The Raft and service addresses of a member whose configuration entry has none (the bootstrap
   * voters: their addresses are in `--peers`, not in the log), so ListMembers always names them
   * (a node joining with `--join ADMIN_H:P` builds its peer list from it).
   */
  readonly addressesOf?: (id: number) => { readonly raft: string; readonly service: string } | null;
  readonly onRequest?: (method: AdminRpcName, outcome: string) => void;
}

/** The definition of tsoracle.admin.v1.MembershipAdmin on the admin codecs. */
export function adminServiceDefinition(): grpc.ServiceDefinition {
  return unaryServiceDefinition(ADMIN_SERVICE_NAME, ADMIN_RPC_CODECS);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const MEMBER_ID_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** How long close() lets admin calls in flight finish. */
const ADMIN_CLOSE_GRACE_MS = 2_000;
/** Bound on a TLS handshake on the admin port. */
const ADMIN_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export class AdminServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly options: AdminServerOptions,
    private readonly server: grpc.Server,
    /** The node:tls listener whose handshaken connections are injected into `server`; null: plaintext (bound by grpc-js). */
    private readonly tlsServer: TlsServer | null,
    readonly address: HostPort,
  ) {}

  static async start(options: AdminServerOptions): Promise<AdminServer> {
    const tls = options.tls;
    if (!isLoopback(options.listen.host) && (tls === undefined || tls.ca === undefined)) {
      throw new Error(
        `--admin-listen ${options.listen.host}:${options.listen.port}: off loopback the admin port needs mTLS (--tls-cert, --tls-key and --tls-ca): it changes the membership and has no other authentication`,
      );
    }
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 });
    if (tls === undefined) {
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(formatHostPort(options.listen), grpc.ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error)));
      });
      const admin = new AdminServer(options, server, null, { host: options.listen.host, port });
      server.addService(adminServiceDefinition(), admin.implementation());
      return admin;
    }
    // TLS: a node:tls listener (ALPN h2; with a CA, mTLS) hands each handshaken connection to
    // grpc-js, so `reloadTls` can swap the material for new handshakes (SIGHUP).
    tlsServerContext(tls); // INVALID_CONFIG before binding when the material does not load
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const tlsServer = createTlsServer({
      noDelay: true,
      ALPNProtocols: ['h2'],
      cert: tls.cert,
      key: tls.key,
      handshakeTimeout: ADMIN_TLS_HANDSHAKE_TIMEOUT_MS,
      ...(tls.ca !== undefined ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
    });
    tlsServer.on('tlsClientError', () => undefined);
    const port = await new Promise<number>((resolve, reject) => {
      tlsServer.once('error', reject);
      tlsServer.listen(options.listen.port, options.listen.host, () => {
        tlsServer.off('error', reject);
        const bound = tlsServer.address();
        resolve(typeof bound === 'object' && bound !== null ? bound.port : options.listen.port);
      });
    });
    const admin = new AdminServer(options, server, tlsServer, { host: options.listen.host, port });
    server.addService(adminServiceDefinition(), admin.implementation());
    tlsServer.on('secureConnection', (socket: Socket) => {
      admin.sockets.add(socket);
      socket.once('close', () => admin.sockets.delete(socket));
      socket.on('error', () => {});
      injector.injectConnection(socket);
    });
    return admin;
  }

  /**
   * Swaps the certificate, key and CA for every handshake from now on; open connections stay.
   * INVALID_CONFIG (nothing changed) when the material does not load, or the port is plaintext.
   */
  reloadTls(tls: TlsServerOptions): void {
    tlsServerContext(tls);
    if (this.tlsServer === null) throw new TsoError(ErrorCode.INVALID_CONFIG, 'the admin port was started without TLS');
    this.tlsServer.setSecureContext({ cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) });
  }

  close(): Promise<void> {
    const tlsServer = this.tlsServer;
    const listenerClosed = tlsServer === null ? Promise.resolve() : new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    const grpcDone = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, ADMIN_CLOSE_GRACE_MS);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return Promise.all([listenerClosed, grpcDone]).then(() => {
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private adminEndpoint(id: number): string {
    const member = this.options.backend.members().membership.members.find((m) => m.id === id);
    if (member !== undefined && member.admin !== '') return member.admin;
    return this.options.adminEndpointOf?.(id) ?? '';
  }

  private implementation(): grpc.UntypedServiceImplementation {
    const handlers: Record<AdminRpcName, (request: unknown) => Promise<unknown>> = {
      ListMembers: async () => this.listMembers(),
      AddLearner: async (r) => {
        const request = r as AddLearnerRequestWire;
        return this.change(request.id, (id) => ({ type: 'add-learner', id, addresses: { raft: request.raftAddr, service: request.serviceEndpoint, admin: request.adminEndpoint } }));
      },
      Promote: async (r) => this.change((r as NodeIdRequestWire).id, (id) => ({ type: 'promote', id })),
      RemoveNode: async (r) => this.change((r as NodeIdRequestWire).id, (id) => ({ type: 'remove', id })),
      ReportCapabilities: async () => this.capabilities(),
    };
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const name of ADMIN_RPC_NAMES) {
      implementation[name] = (call: grpc.ServerUnaryCall<Decoded, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const decoded = call.request;
        if (!decoded.ok) {
          this.options.onRequest?.(name, 'INVALID_ARGUMENT');
          callback({ code: grpc.status.INVALID_ARGUMENT, details: decoded.message });
          return;
        }
        handlers[name](decoded.value).then(
          (value) => {
            const answer = value as Partial<ChangeResponseWire>;
            this.options.onRequest?.(name, answer.ok === 0 ? `error ${answer.error ?? 0}` : 'OK');
            callback(null, value);
          },
          (e: unknown) => {
            this.options.onRequest?.(name, 'INTERNAL');
            callback({ code: grpc.status.INTERNAL, details: e instanceof Error ? e.message : String(e) });
          },
        );
      };
    }
    return implementation;
  }

  private listMembers(): MembershipViewWire {
    const { membership, leaderId } = this.options.backend.members();
    const voters = new Set(votersOf(membership));
    return {
      members: membership.members.map((m) => ({
        id: BigInt(m.id),
        role: voters.has(m.id) ? MemberRoleWire.VOTER : MemberRoleWire.LEARNER,
        raftAddr: m.raft !== '' ? m.raft : (this.options.addressesOf?.(m.id)?.raft ?? ''),
        serviceEndpoint: m.service !== '' ? m.service : (this.options.addressesOf?.(m.id)?.service ?? ''),
        adminEndpoint: this.adminEndpoint(m.id),
      })),
      hasLeader: leaderId === null ? 0 : 1,
      leader: BigInt(leaderId ?? 0),
    };
  }

  private capabilities(): CapabilitiesReportWire {
    const { membershipIndex } = this.options.backend.members();
    return { driver: 'raft', membershipChanges: 1, cluster: this.options.cluster, nodeId: BigInt(this.options.nodeId), membershipIndex: BigInt(membershipIndex) };
  }

  private async change(idWire: bigint, make: (id: number) => MembershipChange): Promise<ChangeResponseWire> {
    if (idWire < 1n || idWire > MEMBER_ID_MAX) {
      return { ok: 0, error: AdminErrorKind.DRIVER, leaderAdminEndpoint: '', message: `INVALID_ARGUMENT: node id ${idWire} is not in 1..2^53-1` };
    }
    const outcome = await this.options.backend.changeMembership(make(Number(idWire)));
    if (outcome.ok) return { ok: 1, error: AdminErrorKind.UNSPECIFIED, leaderAdminEndpoint: '', message: outcome.index === null ? 'already in effect' : `committed at index ${outcome.index}` };
    const { leaderId } = this.options.backend.members();
    switch (outcome.code) {
      case 'DRIVER_NOT_LEADER':
        return { ok: 0, error: AdminErrorKind.NOT_LEADER, leaderAdminEndpoint: leaderId === null ? '' : this.adminEndpoint(leaderId), message: outcome.message };
      case 'MEMBERSHIP_NOT_MEMBER':
        return { ok: 0, error: AdminErrorKind.NOT_MEMBER, leaderAdminEndpoint: '', message: outcome.message };
      case 'MEMBERSHIP_WOULD_LOSE_QUORUM':
        return { ok: 0, error: AdminErrorKind.WOULD_LOSE_QUORUM, leaderAdminEndpoint: '', message: outcome.message };
      case 'MEMBERSHIP_NOT_CAUGHT_UP':
        return { ok: 0, error: AdminErrorKind.NOT_CAUGHT_UP, leaderAdminEndpoint: '', message: outcome.message };
      default:
        // In flight, not ready, invalid addresses, a lost leadership while committing: DRIVER,
        // with the code first in the message so a caller can tell them apart.
        return { ok: 0, error: AdminErrorKind.DRIVER, leaderAdminEndpoint: '', message: `${outcome.code}: ${outcome.message}` };
    }
  }
}

