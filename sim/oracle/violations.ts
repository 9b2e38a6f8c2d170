// What the checkers report. A violation names the property it breaks (`kind`), whether it is a
// safety or a liveness property (the run's exit code follows: 1 for safety, 3 for liveness), the
// virtual time it was found at, a sentence, and details for a human (u64 values as decimal
// strings, so the report is plain JSON).

export const SAFETY_KINDS = [
  // Timestamps.
  'ts_duplicate', // two acknowledged timestamp grants overlap
  'ts_real_time_order', // B was invoked after A completed, yet some timestamp of B is ≤ one of A
  'ts_rewind_after_restart', // the same, across a restart of the server
  'ts_batch_shape', // a batch that is not `count` consecutive timestamps in one millisecond
  'ts_served_not_durable', // a timestamp above the high-water that is durable on disk (persist before serve)
  // Sequences.
  'seq_overlap', // two blocks of a key intersect (acknowledged, or recorded in the ledger)
  'seq_block_shape', // a block of another key or size than asked
  'seq_acknowledged_lost', // after a crash or at the end, an acknowledged block the durable ledger does not hold
  'seq_ledger_hole', // a value below a key's durable counter that no request was granted
  'seq_request_two_blocks', // the ledger holds another block for a request id than its call got
  'seq_block_under_other_request', // the block a call got is recorded under another request id
  'seq_call_request_id_unexpected', // a call's request id is not its place among its session's calls
  'seq_block_for_failed_call', // the ledger holds a block for a call that failed definitively
  'seq_block_unexplained', // the ledger holds a block for a request id no call used
  // The service calls (service-checkers.ts; getSeqBatch in checkers.ts).
  'seq_batch_shape', // a getSeqBatch answered other keys, counts or order than its entries
  'seq_batch_partial', // the durable ledger holds part of a batch (some of its grants, not all)
  'max_safe_above_high_water', // a max-safe value above the durable (committed) high-water − window ahead − 1
  'safe_point_went_back', // a max-safe or frontier value below one the same leader epoch answered before
  'frontier_above_high_water', // a frontier above the durable (committed) high-water
  'frontier_above_live_lease', // a frontier above the bound of a lease certainly live (superseded ones included)
  'lease_bound_not_durable', // a lease bound above the durable (committed) high-water when answered
  // Durability of the high-water and the records.
  'high_water_published_not_durable', // the driver published a high-water the disk does not hold durably
  'durable_high_water_went_back', // the durable high-water on disk decreased
  'published_high_water_went_back', // a published (in-memory) high-water below an earlier one
  'durable_ledger_went_back', // a durable sequence counter decreased
  'durable_record_corrupt', // the durable state or dense record does not decode
  // Raft (cluster runs).
  'raft_two_leaders_in_term', // election safety: two nodes led the same term
  'raft_log_mismatch', // log matching: two logs hold an entry of the same index and term but differ before it
  'raft_leader_incomplete', // leader completeness: a new leader's log lacks an entry committed before its term
  'raft_state_machine_divergence', // state-machine safety: two nodes applied different entries (or states) at an index
  'raft_config_jump', // a configuration differs from its predecessor by more than one voter: their majorities may be disjoint
  'raft_config_change_unsafe', // a leader took a change with another in flight, or before an entry of its term committed
  // A driver module's own checker (its extras, drivers.ts): `details.checker` names it (paxos: single-decision...).
  'driver_invariant',
  // Processes.
  'process_failed', // an exception escaped the product's code (an assertion, a TypeError...)
] as const;

export const LIVENESS_KINDS = [
  'call_overran_deadline', // a call ended later than its overall deadline plus one attempt
  'liveness_not_converged', // after the faults stopped, the calls in flight did not drain or the server did not serve
  'liveness_call_failed', // a call made after convergence failed (configurations inside the envelope)
  'liveness_no_progress', // no call of a client succeeded after convergence (any configuration)
  'liveness_call_stuck', // a call never ended
  'server_start_stuck', // the server did not come up (start timed out)
  'run_event_bound', // the run hit its event bound (a livelock)
] as const;

export type SafetyKind = (typeof SAFETY_KINDS)[number];
export type LivenessKind = (typeof LIVENESS_KINDS)[number];
export type ViolationKind = SafetyKind | LivenessKind;

export type ViolationDetails = { readonly [key: string]: string | number | boolean | null | readonly (string | number)[] };

export interface Violation {
  readonly kind: ViolationKind;
  readonly class: 'safety' | 'liveness';
  readonly atMs: number;
  readonly message: string;
  readonly details: ViolationDetails;
}

export function violationClass(kind: ViolationKind): 'safety' | 'liveness' {
  return (SAFETY_KINDS as readonly string[]).includes(kind) ? 'safety' : 'liveness';
}

export function makeViolation(kind: ViolationKind, atMs: number, message: string, details: ViolationDetails = {}): Violation {
  return { kind, class: violationClass(kind), atMs, message, details };
}
