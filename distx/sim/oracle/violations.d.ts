export declare const SAFETY_KINDS: readonly ["ts_duplicate", "ts_real_time_order", "ts_rewind_after_restart", "ts_batch_shape", "ts_served_not_durable", "seq_overlap", "seq_block_shape", "seq_acknowledged_lost", "seq_ledger_hole", "seq_request_two_blocks", "seq_block_under_other_request", "seq_call_request_id_unexpected", "seq_block_for_failed_call", "seq_block_unexplained", "high_water_published_not_durable", "durable_high_water_went_back", "published_high_water_went_back", "durable_ledger_went_back", "durable_record_corrupt", "raft_two_leaders_in_term", "raft_log_mismatch", "raft_leader_incomplete", "raft_state_machine_divergence", "process_failed"];
export declare const LIVENESS_KINDS: readonly ["call_overran_deadline", "liveness_not_converged", "liveness_call_failed", "liveness_no_progress", "liveness_call_stuck", "server_start_stuck", "run_event_bound"];
export type SafetyKind = (typeof SAFETY_KINDS)[number];
export type LivenessKind = (typeof LIVENESS_KINDS)[number];
export type ViolationKind = SafetyKind | LivenessKind;
export type ViolationDetails = {
    readonly [key: string]: string | number | boolean | null | readonly (string | number)[];
};
export interface Violation {
    readonly kind: ViolationKind;
    readonly class: 'safety' | 'liveness';
    readonly atMs: number;
    readonly message: string;
    readonly details: ViolationDetails;
}
export declare function violationClass(kind: ViolationKind): 'safety' | 'liveness';
export declare function makeViolation(kind: ViolationKind, atMs: number, message: string, details?: ViolationDetails): Violation;
