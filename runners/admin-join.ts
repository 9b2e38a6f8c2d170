// `tsoracle serve raft --id N --join ADMIN_H:P --advertise RAFT_H:P/SERVICE_H:P`: a new node learns
// the cluster it joins from a member's admin endpoint instead of the bootstrap `--peers`. It asks
// ReportCapabilities (the driver, and the cluster's bootstrap voters with their Raft addresses:
// what names the cluster in every node's meta) and ListMembers (every member's Raft and service
// addresses, as the configuration entries carry them), and builds the bootstrap peer map the Raft
// driver opens with; to a TLS admin port it speaks TLS with the node's own --tls-* material. The
// node then waits to be added as a learner, as with `--join RAFT/SERVICE`.
//
// Invariants:
//   - The bootstrap map has exactly the ids and Raft addresses of the member's `cluster`, so the
//     joining node names the same cluster (a different list would be another cluster's id).
//   - A bootstrap voter removed since has no service address any more: it is kept with an empty
//     one (it is never a leader to hint at again).
//   - Every failure is a TsoError: UNAVAILABLE when the admin endpoint does not answer within the
//     bound, INVALID_CONFIG when it answers something a joining raft node cannot use.
import { TsoError } from '../core/errors.js';
import { AdminClient } from '../drivers/admin/admin-client.js';
import type { CapabilitiesReportWire, MembershipViewWire } from '../drivers/admin/admin-messages.js';
import type { TlsClientOptions } from '../drivers/node/transport.js';
import { parseHostPort, type HostPort } from '../drivers/ports.js';
import type { RaftPeer } from '../drivers/raft/index.js';

/** Bound on each of the two admin calls. */
export const JOIN_FETCH_DEADLINE_MS = 10_000;

/** Whether a `--join` value is a member's admin endpoint (`H:P`) rather than this node's `RAFT/SERVICE`. */
export function isAdminJoin(join: string): boolean {
  return !join.includes('/');
}

/** Parses a capabilities `cluster` ("1=H:P,2=H:P,...") into the bootstrap voters' Raft addresses. */
export function parseBootstrapCluster(cluster: string): Map<number, HostPort> {
  const voters = new Map<number, HostPort>();
  for (const item of cluster.split(',')) {
    const m = /^(\d+)=(.+)$/.exec(item.trim());
    const address = m === null ? null : parseHostPort(m[2] as string);
    const id = m === null ? NaN : Number(m[1]);
    if (m === null || address === null || !Number.isSafeInteger(id) || id < 1 || voters.has(id)) {
      throw new TsoError('INVALID_CONFIG', `--join: the member's cluster ${JSON.stringify(cluster)} is not ID=RAFT_H:P,...`);
    }
    voters.set(id, address);
  }
  return voters;
}

/**
 * The bootstrap peer map of the cluster behind `adminEndpoint`, for node `id` joining it. Refuses
 * an id that is a bootstrap voter (a joining node has a new id; a restart of a node that has
 * joined is fine: it is a member by then, not a bootstrap voter).
 */
export async function fetchJoinPeers(adminEndpoint: string, id: number, deadlineMs = JOIN_FETCH_DEADLINE_MS, tls?: TlsClientOptions): Promise<Map<number, RaftPeer>> {
  if (parseHostPort(adminEndpoint) === null) throw new TsoError('INVALID_CONFIG', `--join ${JSON.stringify(adminEndpoint)}: not HOST:PORT (a member's admin endpoint) nor RAFT_H:P/SERVICE_H:P`);
  const client = new AdminClient(adminEndpoint, tls);
  try {
    const capabilities = await client.call<CapabilitiesReportWire>('ReportCapabilities', {}, deadlineMs);
    if (!capabilities.ok) throw new TsoError('UNAVAILABLE', `--join ${adminEndpoint}: the admin endpoint did not answer (gRPC status ${capabilities.code}: ${capabilities.details})`);
    if (capabilities.value.driver !== 'raft' || capabilities.value.membershipChanges === 0) {
      throw new TsoError('INVALID_CONFIG', `--join ${adminEndpoint}: that node's driver (${capabilities.value.driver}) does not take membership changes`);
    }
    const bootstrap = parseBootstrapCluster(capabilities.value.cluster);
    if (bootstrap.has(id)) throw new TsoError('INVALID_CONFIG', `--join: node ${id} is one of the cluster's bootstrap voters (${capabilities.value.cluster}); a joining node has a new id`);
    const view = await client.call<MembershipViewWire>('ListMembers', {}, deadlineMs);
    if (!view.ok) throw new TsoError('UNAVAILABLE', `--join ${adminEndpoint}: ListMembers did not answer (gRPC status ${view.code}: ${view.details})`);
    const services = new Map(view.value.members.map((m) => [Number(m.id), m.serviceEndpoint] as const));
    const peers = new Map<number, RaftPeer>();
    for (const [voterId, raftAddress] of bootstrap) peers.set(voterId, { raftAddress, serviceEndpoint: services.get(voterId) ?? '' });
    return peers;
  } finally {
    client.close();
  }
}
