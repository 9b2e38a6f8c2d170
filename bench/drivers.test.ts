// The bench's driver comparison (bench/drivers.ts): the `--drivers` list is parsed strictly, and
// the side-by-side table puts each driver's own figures under its own columns, `-` where a driver
// did not run a scenario, and never hides failed calls.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BENCH_DRIVERS, driverComparisonTable, parseDriverList, type DriverSection, type ScenarioFigures } from './drivers.js';

function figures(name: string, callsPerSecond: number, p50Ms: number, p99Ms: number, errors: Record<string, number> = {}): ScenarioFigures {
  return { name, callsPerSecond, p50Ms, p99Ms, errors };
}

describe('parseDriverList', () => {
  it('takes the drivers in the order given, spaces and empty items ignored', () => {
    expect(parseDriverList('file,raft,etcd')).toEqual({ ok: true, drivers: ['file', 'raft', 'etcd'] });
    expect(parseDriverList(' etcd , file,')).toEqual({ ok: true, drivers: ['etcd', 'file'] });
    expect(parseDriverList('paxos')).toEqual({ ok: true, drivers: ['paxos'] });
  });

  it('refuses an empty list, an unknown driver and a driver named twice, naming the problem', () => {
    expect(parseDriverList(' , ')).toMatchObject({ ok: false, problem: expect.stringMatching(/at least one of file, raft, paxos, etcd/) as unknown });
    expect(parseDriverList('file,redis')).toMatchObject({ ok: false, problem: expect.stringMatching(/unknown driver "redis"/) as unknown });
    expect(parseDriverList('raft,file,raft')).toMatchObject({ ok: false, problem: expect.stringMatching(/names raft twice/) as unknown });
  });

  it('accepts exactly the lists of distinct known drivers (property)', () => {
    const name = fc.oneof(fc.constantFrom(...BENCH_DRIVERS), fc.constantFrom('etc', 'FILE', 'raft2', ''));
    fc.assert(
      fc.property(fc.array(name, { maxLength: 6 }), (names) => {
        const parsed = parseDriverList(names.join(','));
        const nonEmpty = names.filter((n) => n !== '');
        const valid = nonEmpty.length > 0 && nonEmpty.every((n) => (BENCH_DRIVERS as readonly string[]).includes(n)) && new Set(nonEmpty).size === nonEmpty.length;
        expect(parsed.ok).toBe(valid);
        if (parsed.ok) expect(parsed.drivers).toEqual(nonEmpty);
      }),
    );
  });
});

describe('driverComparisonTable', () => {
  const sections: DriverSection[] = [
    { driver: 'file', results: [figures('getTs@1', 7_430.4, 0.1234, 0.5), figures('getSeq@256', 54_443, 3.8, 14)] },
    { driver: 'raft', results: [figures('getTs@1', 5_001, 0.2, 0.9), figures('getSeq@256', 14_808, 9.5, 30.25)] },
    { driver: 'etcd', results: [figures('getSeq@256', 3_316, 75.3, 200, { TIMEOUT: 3, SEQ_UNCERTAIN: 1 })] },
  ];

  it('one row per scenario, a calls/s and a p50 / p99 column per driver, in the order given', () => {
    const lines = driverComparisonTable(sections).split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['scenario', 'file calls/s', 'file p50 / p99 ms', 'raft calls/s', 'raft p50 / p99 ms', 'etcd calls/s', 'etcd p50 / p99 ms']);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(lines[2]?.trim().split(/\s{2,}/)).toEqual(['getTs@1', '7,430', '0.123 / 0.500', '5,001', '0.200 / 0.900', '-', '-']);
    expect(lines[3]?.trim().split(/\s{2,}/)).toEqual(['getSeq@256', '54,443', '3.800 / 14.000', '14,808', '9.500 / 30.250', '3,316*', '75.300 / 200.000']);
  });

  it('marks a driver whose calls failed and lists the failures by code under the table', () => {
    const text = driverComparisonTable(sections);
    expect(text.split('\n').slice(4)).toEqual(['* etcd getSeq@256: TIMEOUT:3 SEQ_UNCERTAIN:1 failed calls']);
    expect(driverComparisonTable(sections.slice(0, 2))).not.toContain('*');
  });

  it('every line of the table is as wide as the header (aligned columns)', () => {
    const lines = driverComparisonTable(sections.slice(0, 2)).split('\n');
    for (const line of lines) expect(line.length).toBe(lines[0]?.length);
  });

  it('a scenario no driver ran to completion shows - for its latencies, never NaN', () => {
    const text = driverComparisonTable([{ driver: 'raft', results: [figures('getTs@1024', 0, Number.NaN, Number.NaN, { NOT_LEADER: 2 })] }]);
    expect(text).toContain('0*');
    expect(text).toContain('- / -');
    expect(text).not.toContain('NaN');
  });
});
