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
import { assertRatio, type Ratio, Rng } from './random.js';

export interface FaultRule {
  /** Probability that the fault fires at each opportunity. */
  readonly rate: Ratio;
  /** Most times the fault may fire (per disk or per network); unlimited when omitted. */
  readonly budget?: number;
}

export class FaultGate {
  /** Times this gate has fired. */
  fired = 0;
  private rule: FaultRule | undefined;

  constructor(
    readonly family: string,
    rule: FaultRule | undefined,
    private readonly rng: Rng,
  ) {
    this.rule = undefined;
    this.setRule(rule);
  }

  setRule(rule: FaultRule | undefined): void {
    if (rule !== undefined) {
      assertRatio(rule.rate, 'fault_rate_ratio');
      assert(rule.budget === undefined || (Number.isSafeInteger(rule.budget) && rule.budget >= 0), 'fault_budget_valid');
    }
    this.rule = rule;
  }

  /** Whether the family is on with budget left (a draw could fire). */
  get armed(): boolean {
    const rule = this.rule;
    return rule !== undefined && rule.rate[0] > 0 && (rule.budget === undefined || this.fired < rule.budget);
  }

  /** Draws whether the fault fires now; spends one unit of budget when it does. */
  fire(): boolean {
    if (!this.armed) return false;
    const rule = this.rule as FaultRule;
    if (!this.rng.chance(rule.rate[0], rule.rate[1])) return false;
    this.fired++;
    return true;
  }

  /** The family's stream, for the details of a fault that fired (which sector, which bit). */
  get detailRng(): Rng {
    return this.rng;
  }
}

/** Creates the gates of a subsystem from its rules, each on its own fork of `rng`. */
export function makeGates<K extends string>(
  families: readonly K[],
  rules: Partial<Record<K, FaultRule>>,
  rng: Rng,
): Record<K, FaultGate> {
  const gates = {} as Record<K, FaultGate>;
  for (const family of families) gates[family] = new FaultGate(family, rules[family], rng.fork(`fault/${family}`));
  return gates;
}
