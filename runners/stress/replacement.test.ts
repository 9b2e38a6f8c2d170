// The replacement's pure parts: the gap meter that measures what a membership change costs the
// clients (the longest time without an acknowledged timestamp in each change's window), and which
// admin refusals a replacement step retries. The replacement itself runs against real processes
// in runners/stress.test.ts (TSORACLE_STRESS_REPLACEMENTS=1) and `npm run stress -- --replacements`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdminErrorKind } from '../../drivers/admin/admin-messages.js';
import type { OpenOp } from './history.js';
import { AckGapMeter, isTransientRefusal } from './replacement.js';

const op = {} as OpenOp;

describe('AckGapMeter', () => {
  it('samples the longest gap inside the window, counting from its opening and up to its closing', () => {
    const meter = new AckGapMeter();
    meter.onTsAck(op, 1n, 100);
    meter.open(150);
    meter.onTsAck(op, 1n, 170); // 20 since the opening (the ack before it does not count)
    meter.onTsAck(op, 1n, 400); // 230
    meter.onTsAck(op, 1n, 450);
    meter.close(500); // 50
    expect(meter.samples).toEqual([230]);
    meter.onTsAck(op, 1n, 900); // outside any window: no sample
    meter.open(1_000);
    meter.close(1_700); // nothing acknowledged in the window: all of it
    expect(meter.samples).toEqual([230, 700]);
  });

  it('never samples more than the window nor less than any gap inside it (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 50 }), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 5_000 }), (ackTimes, openAt, length) => {
        const sorted = [...ackTimes].sort((a, b) => a - b);
        const meter = new AckGapMeter();
        const closeAt = openAt + length;
        let opened = false;
        for (const t of sorted) {
          if (!opened && t >= openAt) {
            meter.open(openAt);
            opened = true;
          }
          if (opened && t > closeAt) break;
          meter.onTsAck(op, null, t);
        }
        if (!opened) meter.open(openAt);
        meter.close(closeAt);
        const inside = [openAt, ...sorted.filter((t) => t >= openAt && t <= closeAt), closeAt];
        const longest = Math.max(...inside.slice(1).map((t, i) => t - (inside[i] as number)));
        expect(meter.samples).toEqual([longest]);
      }),
    );
  });
});

describe('isTransientRefusal', () => {
  const refusal = (error: number, message = ''): Parameters<typeof isTransientRefusal>[0] => ({ ok: 0, error, leaderAdminEndpoint: '', message });

  it('retries a busy cluster: not the leader, a learner catching up, a change in flight, a leader not ready', () => {
    expect(isTransientRefusal(refusal(AdminErrorKind.NOT_LEADER))).toBe(true);
    expect(isTransientRefusal(refusal(AdminErrorKind.NOT_CAUGHT_UP))).toBe(true);
    expect(isTransientRefusal(refusal(AdminErrorKind.DRIVER, 'MEMBERSHIP_CHANGE_IN_FLIGHT: a change is in flight'))).toBe(true);
    expect(isTransientRefusal(refusal(AdminErrorKind.DRIVER, 'MEMBERSHIP_LEADER_NOT_READY: no entry of this term committed yet'))).toBe(true);
  });

  it('does not retry a refusal that says the change is wrong', () => {
    expect(isTransientRefusal(refusal(AdminErrorKind.WOULD_LOSE_QUORUM))).toBe(false);
    expect(isTransientRefusal(refusal(AdminErrorKind.NOT_MEMBER))).toBe(false);
    expect(isTransientRefusal(refusal(AdminErrorKind.DRIVER, 'INVALID_ARGUMENT: node id 0 is not in 1..2^53-1'))).toBe(false);
  });
});
