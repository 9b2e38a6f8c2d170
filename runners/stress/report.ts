// The stress report for people (text) and for scripts (one JSON line). Both say the same: the
// operations by kind and outcome, the errors by code, the violations (the first few in detail),
// the unavailability after each leader loss (p50, p99, max), the chaos actions done, the
// paused-leader probes and the per-key ledger accounting. u64 values are decimal strings.

import type { DurationStats } from './checkers.js';
import type { StressReport } from './run.js';

/** Violations printed in detail by the text report. */
export const REPORT_VIOLATIONS_SHOWN = 5;

function ms(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)} ms`;
}

function stats(label: string, s: DurationStats): string {
  return `  ${label.padEnd(14)} n=${String(s.count).padEnd(4)} p50 ${ms(s.p50Ms).padEnd(8)} p99 ${ms(s.p99Ms).padEnd(8)} max ${ms(s.maxMs)}`;
}

export function formatReport(report: StressReport): string {
  const lines: string[] = [];
  lines.push(`stress result: ${report.result.toUpperCase()} (exit ${report.exitCode})`);
  lines.push(
    `  seed ${report.seed}, ${report.driver} driver, ${report.nodes} node(s), ${report.clients} clients, ${report.durationMs / 1000} s of chaos every ~${report.chaosIntervalMs} ms, wall ${(report.wallMs / 1000).toFixed(1)} s`,
  );
  if (report.injectViolation !== null) lines.push(`  POSITIVE CONTROL: planted bug ${report.injectViolation}; violations are expected`);
  lines.push(`  rerun: npm run stress -- --seed ${report.seed} --nodes ${report.nodes} --duration ${report.durationMs}ms --chaos-interval ${report.chaosIntervalMs}ms --clients ${report.clients}${report.driver === 'raft' ? '' : ` --driver ${report.driver}`}${report.injectViolation !== null ? ` --inject-violation ${report.injectViolation}` : ''}${report.replacements !== null ? ' --replacements' : ''}`);
  lines.push('operations (ok / failed / unknown outcome, of which read back):');
  for (const [kind, o] of Object.entries(report.operations)) lines.push(`  ${kind.padEnd(11)} ${o.ok} / ${o.failed} / ${o.unknown + o.resolved}${kind === 'getSeq' ? ` (${o.resolved} read back)` : ''}`);
  lines.push(`  ${report.timestampsAcknowledged} timestamps acknowledged; ${report.callsPerSecond} calls/s`);
  lines.push('errors by code:');
  let anyError = false;
  for (const [kind, codes] of Object.entries(report.errors)) {
    const entries = Object.entries(codes).sort((a, b) => b[1] - a[1]);
    if (entries.length === 0) continue;
    anyError = true;
    lines.push(`  ${kind.padEnd(11)} ${entries.map(([code, n]) => `${code} ${n}`).join(', ')}`);
  }
  if (!anyError) lines.push('  none');
  const c = report.chaos;
  const etcdKills = (c as { kill_etcd_member?: number }).kill_etcd_member;
  const etcdQuorumLosses = (c as { etcd_quorum_loss?: number }).etcd_quorum_loss;
  lines.push(
    `chaos: kill_leader ${c.kill_leader}, pause_leader ${c.pause_leader}, kill_follower ${c.kill_follower}, replace_node ${c.replace_node}, restart ${c.restart}, skipped ${c.skipped}` +
      `${etcdKills === undefined ? '' : `, kill_etcd_member ${etcdKills}`}${etcdQuorumLosses === undefined ? '' : `, etcd_quorum_loss ${etcdQuorumLosses}`}`,
  );
  const r = report.replacements;
  if (r !== null) {
    lines.push(`node replacements (add learner, promote, remove; kills and pauses go on): ${r.started} started, ${r.done} done`);
    lines.push(stats('took', r.took));
    lines.push(stats('longest gap', r.ackGap) + '  (longest time without an acknowledged timestamp during each)');
  }
  lines.push('unavailability after a leader loss (chaos action → first timestamp served by a newer leader):');
  lines.push(stats('kill -9', report.unavailability.killLeader));
  lines.push(stats('SIGSTOP', report.unavailability.pauseLeader));
  lines.push(stats('all', report.unavailability.all));
  const l = report.unavailability.loadClients;
  lines.push(`  as seen by the load clients (default retry policy: 2 s per attempt)${l.unrecovered > 0 ? `, ${l.unrecovered} not served again before the load stopped` : ''}:`);
  lines.push(stats('  kill -9', l.killLeader));
  lines.push(stats('  SIGSTOP', l.pauseLeader));
  const q = report.unavailability.etcdQuorumRestored;
  if (q !== undefined) {
    lines.push("unavailability after etcd's quorum returned (both members restarted → first timestamp served):");
    lines.push(stats('quorum loss', q));
  }
  const p = report.pinned;
  lines.push(`paused-leader probes: ${p.calls} calls pinned to the stopped leader, ${p.acknowledged} acknowledged; the resumed old leader answered ${p.oldLeaderOk} with timestamps and refused ${p.oldLeaderRefused}`);
  lines.push('sequence ledgers (final counter = acknowledged + holes; holes must be explained by unknown outcomes not read back):');
  for (const l of report.ledger) {
    lines.push(`  ${l.key} (blocks of ${l.blockCount}): counter ${l.counter ?? '?'}, acknowledged ${l.acknowledgedValues}, holes ${l.holes ?? '?'} (explained by unknown ${l.explainedByUnknown ?? '?'} of ${l.unknownValues} asked)`);
  }
  if (report.uncleanShutdowns.length > 0) {
    lines.push(`nodes that did not exit 0 on SIGTERM: ${report.uncleanShutdowns.map((u) => `${u.id} (${u.exit === null ? 'no exit' : `code ${u.exit.code}, signal ${u.exit.signal}`})`).join(', ')}`);
  }
  lines.push(`violations: ${report.violationCount}${report.violationCount > 0 ? ` (${Object.entries(report.violationsByKind).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
  for (const v of report.violations.slice(0, REPORT_VIOLATIONS_SHOWN)) lines.push(`  [${v.kind}] t=${(v.atMs / 1000).toFixed(3)}s ${v.message}`);
  if (report.dataDir !== null) lines.push(`data and node logs kept in ${report.dataDir}`);
  return lines.join('\n');
}

/** One line of JSON (bigints as decimal strings). */
export function reportJson(report: StressReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}
