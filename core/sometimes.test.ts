import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TsoError } from './errors.js';
import { declareSometimes, declaredSometimes, isSometimesName, setSometimesSink, sometimes } from './sometimes.js';

describe('sometimes', () => {
  afterEach(() => {
    setSometimesSink(null);
  });

  it('reports the name to the installed sink only when the condition holds, and returns the condition', () => {
    const heard: string[] = [];
    setSometimesSink((name) => heard.push(name));
    expect(sometimes(false, 'test.not_taken')).toBe(false);
    expect(sometimes(true, 'test.taken')).toBe(true);
    expect(heard).toEqual(['test.taken']);
  });

  it('does nothing without a sink, and installing one hands back the one it replaces', () => {
    expect(sometimes(true, 'test.no_sink')).toBe(true);
    const first = (): void => {};
    expect(setSometimesSink(first)).toBeNull();
    expect(setSometimesSink(null)).toBe(first);
  });

  it('accepts a name as snake_case words joined by dots, and nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), { minLength: 1, maxLength: 4 }), (words) => {
        expect(isSometimesName(words.join('.'))).toBe(true);
      }),
    );
    for (const bad of ['', 'Upper.case', 'a..b', '.a', 'a.', 'a b', 'x'.repeat(97), 7]) expect(isSometimesName(bad)).toBe(false);
  });

  it('declares a mark once: the same declaration again is a no-op, a different one is refused with INVALID_ARGUMENT', () => {
    declareSometimes([{ name: 'test.declared_once', what: 'a test mark' }]);
    declareSometimes([{ name: 'test.declared_once', what: 'a test mark' }]);
    expect(declaredSometimes().filter((m) => m.name === 'test.declared_once')).toHaveLength(1);
    expect(() => declareSometimes([{ name: 'test.declared_once', what: 'another meaning' }])).toThrow(TsoError);
    expect(() => declareSometimes([{ name: 'Not A Name', what: 'x' }])).toThrow(/snake_case/);
  });
});
