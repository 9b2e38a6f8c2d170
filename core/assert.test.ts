// The assertion helper: a failure names its invariant and carries its detail; a detail given as a
// function is built only when the assertion fails (hot paths pass one so a holding check makes no
// string).

import { describe, expect, it } from 'vitest';
import { assert, AssertionError, assertSafeUint } from './assert.js';

describe('assert', () => {
  it('a holding assertion never builds its detail', () => {
    let built = 0;
    for (let i = 0; i < 100; i++)
      assert(i >= 0, 'index_non_negative', () => {
        built++;
        return `index ${i}`;
      });
    expect(built).toBe(0);
  });

  it('a failing assertion names its invariant and carries the detail a function builds', () => {
    const at = 7;
    let caught: unknown;
    try {
      assert(at < 5, 'index_within_bound', () => `${at} >= 5`);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AssertionError);
    expect((caught as AssertionError).invariant).toBe('index_within_bound');
    expect((caught as Error).message).toBe('invariant broken: index_within_bound: 7 >= 5');
  });

  it('a string detail and no detail read as before', () => {
    expect(() => assert(false, 'plain', 'as given')).toThrow('invariant broken: plain: as given');
    expect(() => assert(false, 'bare')).toThrow(/^invariant broken: bare$/);
  });

  it('assertSafeUint names the value it refuses', () => {
    expect(() => assertSafeUint(-1, 'count_non_negative')).toThrow('invariant broken: count_non_negative: not a safe unsigned integer: -1');
    expect(() => assertSafeUint(2 ** 53, 'count_safe')).toThrow(`not a safe unsigned integer: ${2 ** 53}`);
    assertSafeUint(0, 'zero_taken');
  });
});
