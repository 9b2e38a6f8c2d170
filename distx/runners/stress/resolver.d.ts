/** One read-back attempt's bound (connect plus answer). */
export declare const RESOLVE_ATTEMPT_TIMEOUT_MS = 1000;
/** Bound on one read-back as a whole. */
export declare const RESOLVE_BOUND_MS_DEFAULT = 30000;
export interface SeqRequestIdentity {
    readonly clientId: bigint;
    readonly requestId: bigint;
    readonly key: string;
    readonly count: number;
}
export type ResolveResult = {
    readonly kind: 'block';
    readonly start: bigint;
    readonly count: number;
}
/** The ledger no longer remembers the request (or refused it): the outcome stays unknown. */
 | {
    readonly kind: 'unresolved';
    readonly code: string;
};
export declare class SeqResolver {
    private readonly endpoints;
    private readonly pool;
    private closed;
    private roundRobin;
    constructor(endpoints: readonly string[]);
    resolve(request: SeqRequestIdentity, boundMs?: number): Promise<ResolveResult>;
    private attempt;
    close(): void;
}
