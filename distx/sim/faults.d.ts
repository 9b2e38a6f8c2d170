import { type Ratio, Rng } from './random.js';
export interface FaultRule {
    /** Probability that the fault fires at each opportunity. */
    readonly rate: Ratio;
    /** Most times the fault may fire (per disk or per network); unlimited when omitted. */
    readonly budget?: number;
}
export declare class FaultGate {
    readonly family: string;
    private readonly rng;
    /** Times this gate has fired. */
    fired: number;
    private rule;
    constructor(family: string, rule: FaultRule | undefined, rng: Rng);
    setRule(rule: FaultRule | undefined): void;
    /** Whether the family is on with budget left (a draw could fire). */
    get armed(): boolean;
    /** Draws whether the fault fires now; spends one unit of budget when it does. */
    fire(): boolean;
    /** The family's stream, for the details of a fault that fired (which sector, which bit). */
    get detailRng(): Rng;
}
/** Creates the gates of a subsystem from its rules, each on its own fork of `rng`. */
export declare function makeGates<K extends string>(families: readonly K[], rules: Partial<Record<K, FaultRule>>, rng: Rng): Record<K, FaultGate>;
