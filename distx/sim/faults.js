// Fault gates: one per fault family (fsync failure, torn write, frame loss, ...). A gate fires
// with its family's rate, an integer ratio, until its budget (the most times it may fire in a
// run, per disk or per network) is spent. Every family is off unless a rule is given.
//
// Each gate draws from its own stream (a fork of its subsystem's stream named after the
// family), and a gate without a rule draws nothing: turning one family on or off, or changing
// its rate, does not move the draws of any other family or of the latencies.
//
// Rules can be changed during a run (`setRule`): a liveness phase turns faults off and then
// demands progress, and the budgets keep a safety phase from faulting forever.
import { assert } from '../core/assert.js';
import { assertRatio } from './random.js';
export class FaultGate {
    family;
    rng;
    /** Times this gate has fired. */
    fired = 0;
    rule;
    constructor(family, rule, rng) {
        this.family = family;
        this.rng = rng;
        this.rule = undefined;
        this.setRule(rule);
    }
    setRule(rule) {
        if (rule !== undefined) {
            assertRatio(rule.rate, 'fault_rate_ratio');
            assert(rule.budget === undefined || (Number.isSafeInteger(rule.budget) && rule.budget >= 0), 'fault_budget_valid');
        }
        this.rule = rule;
    }
    /** Whether the family is on with budget left (a draw could fire). */
    get armed() {
        const rule = this.rule;
        return rule !== undefined && rule.rate[0] > 0 && (rule.budget === undefined || this.fired < rule.budget);
    }
    /** Draws whether the fault fires now; spends one unit of budget when it does. */
    fire() {
        if (!this.armed)
            return false;
        const rule = this.rule;
        if (!this.rng.chance(rule.rate[0], rule.rate[1]))
            return false;
        this.fired++;
        return true;
    }
    /** The family's stream, for the details of a fault that fired (which sector, which bit). */
    get detailRng() {
        return this.rng;
    }
}
/** Creates the gates of a subsystem from its rules, each on its own fork of `rng`. */
export function makeGates(families, rules, rng) {
    const gates = {};
    for (const family of families)
        gates[family] = new FaultGate(family, rules[family], rng.fork(`fault/${family}`));
    return gates;
}
//# sourceMappingURL=faults.js.map