// `tsoracle admin members|add-learner|promote|remove|capabilities --endpoint H:P [--json]`: the
// membership admin API of a Raft node (drivers/admin, docs/cluster.md "Membership changes") from
// the command line, as the original's admin CLI: a mutation sent to a follower follows one
// NOT_LEADER redirect to the leader's admin endpoint; exit 0 when the answer is ok, 1 otherwise
// (the error kind and message on stderr), 2 on a usage error. `--tls-ca/--tls-cert/--tls-key/
// --tls-servername` speak TLS to an admin port served with TLS (the redirect too).
import { Command, InvalidArgumentError } from 'commander';
import { ADMIN_ERROR_KIND_NAMES, AdminErrorKind, MemberRoleWire, type CapabilitiesReportWire, type ChangeResponseWire, type MembershipViewWire } from '../drivers/admin/admin-messages.js';
import { AdminClient } from '../drivers/admin/admin-client.js';
import type { AdminRpcName } from '../drivers/admin/admin-messages.js';
import type { TlsClientOptions } from '../drivers/node/transport.js';
import { parseHostPort } from '../drivers/ports.js';
import { TsoError } from '../core/errors.js';
import { clientTlsFromFlags, clientTlsOption } from './client-tls-flags.js';

const EXIT_FAILURE = 1;

function endpoint(text: string): string {
  if (parseHostPort(text) === null) throw new InvalidArgumentError('not host:port');
  return text;
}

function nodeId(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) throw new InvalidArgumentError(`not a node id (1 to 2^53 - 1): ${text}`);
  return Number(text);
}

/** The TLS of every admin call of this command (from --tls-*), or undefined: plaintext. */
let callTls: TlsClientOptions | undefined;

async function call<Res>(target: string, method: AdminRpcName, request: unknown): Promise<Res> {
  const client = new AdminClient(target, callTls);
  try {
    const answer = await client.call<Res>(method, request);
    if (!answer.ok) {
      process.stderr.write(`error: UNAVAILABLE: admin ${method} at ${target}: ${answer.details} (gRPC status ${answer.code})\n`);
      process.exit(EXIT_FAILURE);
    }
    return answer.value;
  } finally {
    client.close();
  }
}

/** A mutation, following one NOT_LEADER redirect; prints and exits by the answer. */
async function change(target: string, method: AdminRpcName, request: unknown, json: boolean): Promise<void> {
  let answer = await call<ChangeResponseWire>(target, method, request);
  let via = target;
  if (answer.ok === 0 && answer.error === AdminErrorKind.NOT_LEADER && answer.leaderAdminEndpoint !== '' && answer.leaderAdminEndpoint !== target) {
    via = answer.leaderAdminEndpoint;
    answer = await call<ChangeResponseWire>(via, method, request);
  }
  const kind = ADMIN_ERROR_KIND_NAMES[answer.error] ?? String(answer.error);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: answer.ok !== 0, error: answer.ok !== 0 ? null : kind, leaderAdminEndpoint: answer.leaderAdminEndpoint || null, message: answer.message, endpoint: via })}\n`);
  } else if (answer.ok !== 0) {
    process.stdout.write(`ok: ${answer.message}\n`);
  }
  if (answer.ok === 0) {
    if (!json) process.stderr.write(`error: ${kind}: ${answer.message}${answer.leaderAdminEndpoint !== '' ? ` (leader admin endpoint ${answer.leaderAdminEndpoint})` : ''}\n`);
    process.exit(EXIT_FAILURE);
  }
}

/** `--tls-ca/--tls-cert/--tls-key/--tls-servername`: speak TLS to the admin port (docs/security.md). */
function withTls(cmd: Command): Command {
  for (const flag of ['--tls-ca', '--tls-cert', '--tls-key', '--tls-servername'] as const) cmd.addOption(clientTlsOption(flag));
  cmd.hook('preAction', (_command, action) => {
    try {
      callTls = clientTlsFromFlags(action.opts()).tls;
    } catch (e) {
      if (e instanceof TsoError && e.code === 'INVALID_CONFIG') action.error(`error: ${e.message}`, { exitCode: 2, code: 'tsoracle.usage' });
      throw e;
    }
  });
  return cmd;
}

export function addAdminCommand(program: Command): void {
  const admin = program
    .command('admin')
    .description('membership admin of a Raft cluster: admin members|add-learner|promote|remove|capabilities (docs/cluster.md)')
    .argument('[subcommand]', 'members, add-learner, promote, remove or capabilities')
    .action((subcommand: string | undefined) => {
      // A usage error, not the whole help (as `serve` without a driver).
      const why = subcommand === undefined ? 'admin needs a subcommand' : `unknown admin subcommand '${subcommand}'`;
      admin.error(`error: ${why}: members, add-learner, promote, remove or capabilities`, { exitCode: 2, code: 'tsoracle.usage' });
    });
  withTls(admin.command('members'))
    .description("list the members the node's log holds, and the leader it knows")
    .requiredOption('--endpoint <host:port>', "a node's admin endpoint (--admin-listen)", endpoint)
    .option('--json', 'print one JSON object')
    .action(async (opts: { endpoint: string; json?: boolean }) => {
      const view = await call<MembershipViewWire>(opts.endpoint, 'ListMembers', {});
      const members = view.members.map((m) => ({
        id: Number(m.id),
        role: m.role === MemberRoleWire.VOTER ? 'voter' : m.role === MemberRoleWire.LEARNER ? 'learner' : 'unspecified',
        raftAddr: m.raftAddr,
        serviceEndpoint: m.serviceEndpoint,
        adminEndpoint: m.adminEndpoint,
      }));
      const leader = view.hasLeader !== 0 ? Number(view.leader) : null;
      if (opts.json === true) process.stdout.write(`${JSON.stringify({ members, leader })}\n`);
      else {
        const lines = members.map((m) => `${m.id}\t${m.role}${m.id === leader ? '\tleader' : ''}\traft=${m.raftAddr || '-'}\tservice=${m.serviceEndpoint || '-'}\tadmin=${m.adminEndpoint || '-'}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
  withTls(admin.command('add-learner'))
    .description('add a node as a learner (it receives the log, does not vote); a no-op when it is a member')
    .requiredOption('--endpoint <host:port>', "a node's admin endpoint (a follower redirects once to the leader)", endpoint)
    .requiredOption('--id <n>', 'the new node id', nodeId)
    .requiredOption('--raft-addr <host:port>', "the new node's Raft peer address", endpoint)
    .requiredOption('--service-endpoint <host:port>', "the new node's client endpoint", endpoint)
    .option('--admin-endpoint <host:port>', "the new node's admin endpoint", endpoint)
    .option('--json', 'print one JSON object')
    .action(async (opts: { endpoint: string; id: number; raftAddr: string; serviceEndpoint: string; adminEndpoint?: string; json?: boolean }) => {
      await change(opts.endpoint, 'AddLearner', { id: BigInt(opts.id), raftAddr: opts.raftAddr, serviceEndpoint: opts.serviceEndpoint, adminEndpoint: opts.adminEndpoint ?? '' }, opts.json === true);
    });
  for (const [name, method, what] of [
    ['promote', 'Promote', 'promote a caught-up learner to voter'],
    ['remove', 'RemoveNode', 'remove a member (the leader too: it steps down once the removal commits); a no-op for a stranger'],
  ] as const) {
    withTls(admin.command(name))
      .description(what)
      .requiredOption('--endpoint <host:port>', "a node's admin endpoint (a follower redirects once to the leader)", endpoint)
      .requiredOption('--id <n>', 'the node id', nodeId)
      .option('--json', 'print one JSON object')
      .action(async (opts: { endpoint: string; id: number; json?: boolean }) => {
        await change(opts.endpoint, method, { id: BigInt(opts.id) }, opts.json === true);
      });
  }
  withTls(admin.command('capabilities'))
    .description("what the node's driver supports, its cluster (for joining nodes) and its membership index")
    .requiredOption('--endpoint <host:port>', "a node's admin endpoint", endpoint)
    .option('--json', 'print one JSON object')
    .action(async (opts: { endpoint: string; json?: boolean }) => {
      const report = await call<CapabilitiesReportWire>(opts.endpoint, 'ReportCapabilities', {});
      const out = { driver: report.driver, membershipChanges: report.membershipChanges !== 0, cluster: report.cluster, nodeId: Number(report.nodeId), membershipIndex: Number(report.membershipIndex) };
      if (opts.json === true) process.stdout.write(`${JSON.stringify(out)}\n`);
      else process.stdout.write(`driver=${out.driver} membership-changes=${out.membershipChanges} node=${out.nodeId} membership-index=${out.membershipIndex} cluster=${out.cluster}\n`);
    });
}
