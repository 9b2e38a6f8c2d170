// The run page: what it keeps from a trace (lanes, spans with their outcomes, marks, the
// violation and the operations it names), that trace text never reaches the page as markup, and
// the page limits. The page in a real browser is checked by runners/sim-html.test.ts.
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../trace.js';
import { renderRunHtml, runPageData, VIEWER_EVENTS_MAX } from './html.js';

const entry = (t: number, node: string, kind: string, details?: Record<string, unknown>): TraceEntry => ({ t, node, kind, details: details as TraceEntry['details'] });

const trace: TraceEntry[] = [
  entry(0, 'world', 'sim.spec', { seed: 3 }),
  entry(0, 'tso', 'process.start', { incarnation: 1 }),
  entry(1, 'c1#1', 'op.invoke', { op: 0, kind: 'getTs', count: 1 }),
  entry(2, 'c1#1', 'op.ok', { op: 0 }),
  entry(3, 'c2#1', 'op.invoke', { op: 7, kind: 'getSeq', key: 'orders', count: 2 }),
  entry(4, 'tso#1', 'process.crash', { powerLoss: true }),
  entry(5, 'c2#1', 'op.fail', { op: 7, code: 'SEQ_UNCERTAIN', unknown: true }),
  entry(6, 'c1#1', 'op.invoke', { op: 1, kind: 'getTs', count: 1 }),
  entry(6.5, 'c1#1', 'op.fail', { op: 1, code: 'TIMEOUT', unknown: false }),
  entry(7, 'c3#1', 'op.invoke', { op: 2, kind: 'getTs', count: 1 }),
  entry(8, 'tso#2', 'net.deliver', { bytes: 9 }),
  entry(9, 'world', 'net.partition', { a: ['c1'], b: ['tso'] }),
  entry(10, 'tso#2', 'serving.leadership', { state: 'leader' }),
  entry(11, 'c1#1', 'fault.net.corrupt', { note: '</script><img src=x onerror=alert(1)>' }),
];

describe('runPageData', () => {
  it('draws a lane per node (incarnations folded), operation spans with their outcomes, and the marks but the noisy kinds', () => {
    const data = runPageData({ title: 'seed 3', entries: trace });
    expect(data.lanes).toEqual(['world', 'tso', 'c1', 'c2', 'c3']);
    expect(data.ops.map(([lane, s, e, outcome]) => [data.lanes[lane], s, e, outcome])).toEqual([
      ['c1', 1, 2, 'ok'],
      ['c2', 3, 5, 'unknown'],
      ['c1', 6, 6.5, 'failed'],
      ['c3', 7, 11, 'open'], // never ended: drawn to the end of the run
    ]);
    expect(data.events.map((e) => e[3])).toEqual(['sim.spec', 'process.start', 'process.crash', 'net.partition', 'serving.leadership', 'fault.net.corrupt']);
    expect(data.events.find((e) => e[3] === 'process.crash')?.[2]).toBe('process');
    expect(data.events.find((e) => e[3] === 'serving.leadership')?.[2]).toBe('role');
  });

  it('explains the violation in a sentence and outlines the operations its message names', () => {
    const data = runPageData({
      title: 'seed 3',
      entries: trace,
      violations: [{ kind: 'ts_served_not_durable', atMs: 2, message: 'op 0 c1#1 getTs() invoked t=1, ended t=2 → 5: above the durable high-water' }],
    });
    expect(data.violations).toEqual([
      {
        kind: 'ts_served_not_durable',
        atMs: 2,
        message: 'op 0 c1#1 getTs() invoked t=1, ended t=2 → 5: above the durable high-water',
        explanation: expect.stringMatching(/persisted before it is served/),
        ops: ['op 0 c1#1'],
      },
    ]);
  });

  it('keeps at most VIEWER_EVENTS_MAX marks, says how many it left out, and keeps those near the violation', () => {
    const many = Array.from({ length: VIEWER_EVENTS_MAX + 100 }, (_, i) => entry(i, 'tso#1', 'disk.fsync', { i }));
    const data = runPageData({ title: 'big', entries: many, violations: [{ kind: 'process_failed', atMs: VIEWER_EVENTS_MAX + 90, message: 'boom' }] });
    expect(data.events.length).toBeLessThan(VIEWER_EVENTS_MAX + 100);
    expect(data.events.length + data.omittedEvents).toBe(VIEWER_EVENTS_MAX + 100);
    expect(data.events.some((e) => e[1] === VIEWER_EVENTS_MAX + 90)).toBe(true);
  });
});

describe('renderRunHtml', () => {
  it('is one self-contained page: no external fetch, trace text only inside escaped JSON', () => {
    const html = renderRunHtml({ title: 'seed <3>', entries: trace, violations: [{ kind: 'process_failed', atMs: 4, message: 'x' }] });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain('<title>seed &#60;3&#62;</title>');
    // The hostile detail is in the data, its "<" escaped, so it cannot close the script element.
    expect(html).not.toContain('</script><img');
    expect(html).toContain('\\u003c/script>\\u003cimg');
    expect(renderRunHtml({ title: 't', entries: trace })).toBe(renderRunHtml({ title: 't', entries: trace }));
  });
});
