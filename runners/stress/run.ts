// One stress run, start to end: choose ports and directories, start the cluster, start the load,
// run the chaos loop for the duration, heal the cluster, stop the load, take the final probes
// (one more block per sequence key, one more timestamp), check the ledger, stop the cluster and
// build the report. Every phase is bounded; the caller (runners/stress.ts) adds a watchdog on the
// whole and kills the children on any exit.
//
// Result and exit code: 1 when any safety violation was found; else 3 when a liveness property
// failed (the cluster never served, did not recover from an action, or the final probes failed);
// else 130 when the run was interrupted; else 0.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { createClient } from '../client.js';
import { checkLedger, durationStats, type DurationStats, type Violation } from './checkers.js';
import { Chaos, RECOVERY_BOUND_MS, reportStartFailure, RESTART_DELAY_MS_MIN, type ChaosActionKind, type PinnedStats } from './chaos.js';
import { StressEtcd } from '../etcd-stress.js';
import { Cluster, NodeStartError, type NodeExit } from './cluster.js';
import { StressHistory, type OpKind, type OpOutcome } from './history.js';
import { Load, LOAD_CLIENT_PREFIX, recordedGetSeq, recordedGetTs, SEQ_KEYS } from './load.js';
import type { StressOptions } from './options.js';
import { SeqResolver } from './resolver.js';
import { formatReport, reportJson } from './report.js';
import { AckGapMeter } from './replacement.js';
import { UnavailabilityTracker } from './unavailability.js';

/** Bound on the first leader after the cluster starts (and after healing). */
export const LEADER_BOUND_MS = 30_000;
/** Bound on the first acknowledged timestamp after the load starts. */
export const FIRST_ACK_BOUND_MS = 30_000;
/** Load kept running on the healed cluster before it stops (the last leader serves some). */
export const HEALED_LOAD_MS = 1_000;
/** Bound on each final probe (retried until it gets an answer). */
export const FINAL_PROBE_BOUND_MS = 30_000;

export type StressResult = 'ok' | 'violation' | 'liveness' | 'aborted';

export interface LedgerReport {
  readonly key: string;
  readonly blockCount: number;
  readonly counter: string | null;
  readonly acknowledgedValues: string;
  readonly unknownValues: string;
  readonly holes: string | null;
  readonly explainedByUnknown: string | null;
}

export interface StressReport {
  readonly seed: number;
  readonly driver: StressOptions['driver'];
  readonly nodes: number;
  readonly durationMs: number;
  readonly chaosIntervalMs: number;
  readonly clients: number;
  /** The planted bug of a positive control (a violation is the expected result), or null. */
  readonly injectViolation: StressOptions['injectViolation'];
  readonly wallMs: number;
  readonly result: StressResult;
  readonly exitCode: 0 | 1 | 3 | 130;
  readonly operations: Record<OpKind, Record<OpOutcome, number>>;
  readonly timestampsAcknowledged: number;
  readonly callsPerSecond: number;
  readonly errors: Record<OpKind, Record<string, number>>;
  readonly violationCount: number;
  readonly violationsByKind: Record<string, number>;
  readonly violations: readonly Violation[];
  readonly unavailability: {
    readonly killLeader: DurationStats;
    readonly pauseLeader: DurationStats;
    readonly all: DurationStats;
    readonly samples: ReadonlyArray<{ readonly kind: string; readonly atMs: number; readonly unavailableMs: number }>;
    /** The same measured on the load clients' calls only (default retry policy). */
    readonly loadClients: {
      readonly killLeader: DurationStats;
      readonly pauseLeader: DurationStats;
      readonly all: DurationStats;
      /** Leader losses after which no load client was served again before the load stopped. */
      readonly unrecovered: number;
    };
    /** --etcd-quorum-loss: from both etcd members restarted to the first timestamp served. */
    readonly etcdQuorumRestored?: DurationStats;
  };
  readonly chaos: Record<ChaosActionKind, number> & { readonly skipped: number };
  /** Node replacements (--replacements): started, finished, their duration, and the longest time without an acknowledged timestamp during each. */
  readonly replacements: { readonly started: number; readonly done: number; readonly took: DurationStats; readonly ackGap: DurationStats } | null;
  readonly pinned: PinnedStats;
  readonly ledger: readonly LedgerReport[];
  readonly uncleanShutdowns: ReadonlyArray<{ readonly id: number; readonly exit: NodeExit | null }>;
  readonly nodeStarts: Record<string, number>;
  /** Where the data and the node logs are, when kept (--keep-data, or a violation). */
  readonly dataDir: string | null;
  /** Every server pid of the run (all gone when the run returns). */
  readonly pids: readonly number[];
}

export interface StressIo {
  readonly log: (line: string) => void;
  /** Set when the run must stop early (SIGINT): it heals, drains, checks and reports. */
  readonly stopped: () => boolean;
  /** Receives the cluster as soon as it exists (the entry kills its children on exit). */
  readonly onCluster?: (cluster: Cluster) => void;
}

/** The etcd quorum witness's attempt timeout: a request to a node still waiting on etcd is abandoned this soon. */
const ETCD_QUORUM_WITNESS_ATTEMPT_MS = 500;

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(done: () => boolean, boundMs: number, stopped: () => boolean): Promise<boolean> {
  const startMs = performance.now();
  while (!done()) {
    if (stopped() || performance.now() - startMs > boundMs) return false;
    await sleepMs(10);
  }
  return true;
}

export async function runStress(options: StressOptions, io: StressIo): Promise<StressReport> {
  const wallStartMs = performance.now();
  const log = io.log;
  const chaosRandom = seedrandom(`${options.seed}/chaos`);
  const loadRandom = seedrandom(`${options.seed}/load`);
  const rootDir = await mkdtemp(join(tmpdir(), 'tsoracle-stress-'));
  const history = new StressHistory(SEQ_KEYS.map(([key]) => key));
  const tracker = new UnavailabilityTracker();
  const loadTracker = new UnavailabilityTracker((op) => op.client.startsWith(LOAD_CLIENT_PREFIX));
  const replacementGaps = options.replacements ? new AckGapMeter() : null;
  /** --etcd-quorum-loss: ms from both etcd members restarted to the first timestamp served, per quorum loss. */
  const etcdQuorumRestoredMs: number[] = [];
  history.listener = {
    onTsAck: (op, epoch, completeMs) => {
      tracker.onTsAck(op, epoch, completeMs);
      loadTracker.onTsAck(op, epoch, completeMs);
      replacementGaps?.onTsAck(op, epoch, completeMs);
    },
  };
  const violations = history.violations;

  // Bound below, once the cluster exists; a crash before that cannot happen (nothing runs yet).
  let chaos: Chaos | null = null;
  // --driver etcd: the nodes' state lives in a 3-member etcd the run starts (and kills members of).
  const etcd = options.driver === 'etcd' ? await StressEtcd.start(rootDir, Math.random, log) : null;
  if (etcd !== null) process.once('exit', () => etcd.killAllSync());
  const cluster = await Cluster.create({
    driver: options.driver,
    ...(etcd === null ? {} : { etcdEndpoints: etcd.endpoints }),
    nodes: options.nodes,
    rootDir,
    admin: options.replacements,
    electionTimeoutMs: options.electionTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    // Ports are not part of what the seed reproduces; two runs of one seed must not collide.
    random: Math.random,
    onCrash: (node, exit, tail) => {
      violations.report('node_crashed', `node ${node.id} exited by itself (code ${exit.code}, signal ${exit.signal}); its log ends with:\n${tail.trim()}`);
      // Keep the run going (and its other checks meaningful): the node comes back like a killed one.
      chaos?.restartAfter(node, RESTART_DELAY_MS_MIN);
    },
    log,
  });
  io.onCluster?.(cluster);
  log(`stress: seed ${options.seed}, ${options.driver} driver, ${options.nodes} node(s), ${options.durationMs / 1000} s, chaos every ~${options.chaosIntervalMs} ms, ${options.clients} clients; data in ${rootDir}`);

  chaos = new Chaos({ cluster, history, tracker, loadTracker, random: chaosRandom, intervalMs: options.chaosIntervalMs, log, wipeOnRestart: options.injectViolation === 'wipe-data', replacements: replacementGaps });
  const resolver = new SeqResolver(cluster.serviceEndpoints);
  const load = new Load(history, cluster.serviceEndpoints, options.clients, loadRandom, resolver, options.injectViolation === 'new-request-id-on-retry');
  const ledger: LedgerReport[] = [];
  let uncleanShutdowns: Array<{ id: number; exit: NodeExit | null }> = [];
  let loadStarted = false;

  try {
    try {
      await cluster.startAll();
    } catch (e) {
      reportStartFailure(history, e);
      throw e;
    }
    if ((await cluster.findLeader(LEADER_BOUND_MS)) === null) log(`stress: no node answers /readyz 200 after ${LEADER_BOUND_MS} ms; starting the load anyway`);
    load.start();
    loadStarted = true;
    if (!(await waitUntil(() => history.firstTsAckMs !== null, FIRST_ACK_BOUND_MS, io.stopped))) {
      if (!io.stopped()) violations.report('never_available', `no timestamp was served within ${FIRST_ACK_BOUND_MS} ms of the cluster's start`);
    } else {
      log(`stress: first timestamp at t=${(history.firstTsAckMs ?? 0).toFixed(0)} ms; chaos starts`);
      const untilMs = history.nowMs() + options.durationMs;
      // --etcd-quorum-loss: once both members are restarted, a client with every node's endpoint
      // asks for timestamps until one is served (recorded in the history like every call).
      const etcdQuorumWitness = async (): Promise<void> => {
        const startMs = history.nowMs();
        const witness = createClient({
          endpoints: cluster.serviceEndpoints,
          retry: { attemptTimeoutMs: ETCD_QUORUM_WITNESS_ATTEMPT_MS, attemptsMax: 10_000, overallTimeoutMs: RECOVERY_BOUND_MS, backoffBaseMs: 10, backoffCapMs: 50 },
        });
        try {
          while (history.nowMs() - startMs < RECOVERY_BOUND_MS) {
            if (await recordedGetTs(history, witness, `etcd-quorum-witness-${etcdQuorumRestoredMs.length}`)) {
              etcdQuorumRestoredMs.push(history.nowMs() - startMs);
              log(`chaos t=${(history.nowMs() / 1000).toFixed(1)}s: served again ${Math.round(history.nowMs() - startMs)} ms after etcd's quorum returned`);
              return;
            }
            await sleepMs(10);
          }
          violations.report('no_recovery', `no timestamp was served within ${RECOVERY_BOUND_MS} ms of etcd's quorum returning at t=${startMs.toFixed(0)} ms`);
        } finally {
          await witness.close();
        }
      };
      const progress = setInterval(() => {
        const o = history.outcomes;
        log(
          `stress t=${(history.nowMs() / 1000).toFixed(0)}s: ok getTs ${o.getTs.ok} batch ${o.getTsBatch.ok} seq ${o.getSeq.ok}; violations ${violations.total}; chaos ${chaos.counts.kill_leader}/${chaos.counts.pause_leader}/${chaos.counts.kill_follower}/${chaos.counts.restart}`,
        );
      }, 30_000);
      progress.unref();
      try {
        await Promise.all([chaos.run(untilMs, io.stopped), etcd?.runChaos(options.durationMs, io.stopped, chaosRandom, log, options.etcdQuorumLoss, etcdQuorumWitness)]);
      } finally {
        clearInterval(progress);
      }
    }

    // Heal: every node up, a leader serving, every leader loss recovered.
    await chaos.heal();
    if ((await cluster.findLeader(LEADER_BOUND_MS)) === null) log(`stress: no single leader after healing within ${LEADER_BOUND_MS} ms`);
    if (!(await waitUntil(() => tracker.pendingCount === 0, LEADER_BOUND_MS, () => false))) {
      violations.report('no_recovery', `${tracker.abandonPending()} leader loss(es) not recovered after the cluster was healed`);
    }
    await sleepMs(HEALED_LOAD_MS);
  } catch (e) {
    // A failed start was reported where it happened.
    if (!(e instanceof NodeStartError)) violations.report('harness_error', e instanceof Error ? (e.stack ?? e.message) : String(e));
    await chaos.heal().catch(() => {});
  }

  if (loadStarted) await load.stop();

  // Final probes: with the load stopped, one more block per key gives its counter; one more
  // timestamp shows the healed cluster serves. Both are checked like every other call.
  if (loadStarted && history.firstTsAckMs !== null) {
    const probe = createClient({ endpoints: cluster.serviceEndpoints });
    try {
      for (const [key, blockCount] of SEQ_KEYS) {
        let counter: bigint | null = null;
        const startMs = performance.now();
        while (counter === null && performance.now() - startMs < FINAL_PROBE_BOUND_MS) {
          counter = await recordedGetSeq(history, probe, 'probe', key, 1, resolver);
          if (counter === null) await sleepMs(100);
        }
        const tally = history.tallyOf(key);
        if (counter === null) {
          violations.report('final_check_failed', `no final block of ${key} within ${FINAL_PROBE_BOUND_MS} ms; the ledger of ${key} is not checked`);
          ledger.push({ key, blockCount, counter: null, acknowledgedValues: String(tally.acknowledgedValues), unknownValues: String(tally.unknownValues), holes: null, explainedByUnknown: null });
          continue;
        }
        // The probe's own block is at the counter; the unknown ones before it may explain holes.
        const verdict = checkLedger({ key, counter, acknowledgedValues: tally.acknowledgedValues - 1n, unknownValues: tally.unknownValues });
        if (verdict.message !== null) violations.report('seq_ledger_hole', verdict.message);
        ledger.push({
          key,
          blockCount,
          counter: String(counter),
          acknowledgedValues: String(tally.acknowledgedValues - 1n),
          unknownValues: String(tally.unknownValues),
          holes: String(verdict.holes),
          explainedByUnknown: String(verdict.explainedByUnknown),
        });
      }
      let served = false;
      const startMs = performance.now();
      while (!served && performance.now() - startMs < FINAL_PROBE_BOUND_MS) served = await recordedGetTs(history, probe, 'probe');
      if (!served) violations.report('final_check_failed', `no final timestamp within ${FINAL_PROBE_BOUND_MS} ms`);
    } finally {
      await probe.close();
    }
  }
  resolver.close();

  try {
    uncleanShutdowns = await cluster.stopAll();
  } catch (e) {
    violations.report('harness_error', `stopping the cluster: ${e instanceof Error ? e.message : String(e)}`);
    cluster.killAllSync();
    await cluster.reapAll();
  }
  await etcd?.stop();

  const safety = violations.safetyCount > 0;
  const liveness = violations.livenessCount > 0;
  const result: StressResult = safety ? 'violation' : liveness ? 'liveness' : io.stopped() ? 'aborted' : 'ok';
  const exitCode = safety ? 1 : liveness ? 3 : io.stopped() ? 130 : 0;
  const keep = options.keepData || violations.total > 0;
  if (!keep) await rm(rootDir, { recursive: true, force: true });
  const wallMs = performance.now() - wallStartMs;
  const calls = Object.values(history.outcomes).reduce((sum, o) => sum + o.ok + o.failed + o.unknown + o.resolved, 0);
  const errors = {} as Record<OpKind, Record<string, number>>;
  for (const [kind, codes] of Object.entries(history.errorsByKind) as Array<[OpKind, Map<string, number>]>) errors[kind] = Object.fromEntries(codes);
  const report: StressReport = {
    seed: options.seed,
    driver: options.driver,
    nodes: options.nodes,
    durationMs: options.durationMs,
    chaosIntervalMs: options.chaosIntervalMs,
    clients: options.clients,
    injectViolation: options.injectViolation,
    wallMs: Math.round(wallMs),
    result,
    exitCode,
    operations: history.outcomes,
    timestampsAcknowledged: history.timestampsAcknowledged,
    callsPerSecond: Math.round(calls / Math.max(1, wallMs / 1000)),
    errors,
    violationCount: violations.total,
    violationsByKind: Object.fromEntries(violations.countsByKind),
    violations: violations.kept,
    unavailability: {
      killLeader: tracker.stats('kill_leader'),
      pauseLeader: tracker.stats('pause_leader'),
      all: tracker.stats(),
      samples: tracker.samples.map((s) => ({ kind: s.kind, atMs: Math.round(s.atMs), unavailableMs: Math.round(s.unavailableMs) })),
      loadClients: {
        killLeader: loadTracker.stats('kill_leader'),
        pauseLeader: loadTracker.stats('pause_leader'),
        all: loadTracker.stats(),
        unrecovered: loadTracker.abandonPending(),
      },
      ...(options.etcdQuorumLoss ? { etcdQuorumRestored: durationStats(etcdQuorumRestoredMs) } : {}),
    },
    chaos: { ...chaos.counts, ...etcd?.counts, skipped: chaos.skipped },
    replacements: replacementGaps === null ? null : { started: chaos.counts.replace_node, done: chaos.replacementsDone, took: durationStats(chaos.replacementMs), ackGap: replacementGaps.stats() },
    pinned: { ...chaos.pinned },
    ledger,
    uncleanShutdowns,
    nodeStarts: Object.fromEntries(cluster.everyNode.map((n) => [String(n.id), n.starts])),
    dataDir: keep ? rootDir : null,
    pids: cluster.allPids,
  };
  if (keep) {
    // A kept directory explains itself.
    await writeFile(join(rootDir, 'report.txt'), `${formatReport(report)}\n`).catch(() => {});
    await writeFile(join(rootDir, 'report.json'), `${reportJson(report)}\n`).catch(() => {});
  }
  return report;
}
