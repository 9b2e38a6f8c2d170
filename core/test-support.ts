// Helpers shared by core's unit tests (not used by the product): what an action threw, as a value
// a test can compare. Only the error kind asked for is caught; anything else is rethrown, so a
// test never mistakes an untyped exception for a refusal. A DecodeError must also say what was
// wrong beyond its code (an operator reads it in a log): one whose message is only its code fails
// the test that caught it, as the fuzz targets' `bare-error` property does.
import { AssertionError } from './assert.js';
import { DecodeError, type DecodeErrorCode } from './errors.js';

/** The DecodeError itself, after checking its message says more than its code. */
export function describedDecodeError(e: DecodeError): DecodeError {
  if (e.message.replace(`${e.code}:`, '').trim().length === 0) throw new Error(`${e.code} was thrown with no message`);
  return e;
}

/** The code of the DecodeError `action` throws, or `ifNone` when it throws nothing. */
export function codeOf(action: () => unknown): DecodeErrorCode | 'no error';
export function codeOf<N extends string>(action: () => unknown, ifNone: N): DecodeErrorCode | N;
export function codeOf(action: () => unknown, ifNone = 'no error'): string {
  try {
    action();
  } catch (e) {
    if (e instanceof DecodeError) return describedDecodeError(e).code;
    throw e;
  }
  return ifNone;
}

/** The described DecodeError `action` throws; fails when it throws nothing or another error. */
function thrownDecodeError(action: () => unknown): DecodeError {
  try {
    action();
  } catch (e) {
    if (e instanceof DecodeError) return describedDecodeError(e);
    throw e;
  }
  throw new Error('expected a DecodeError');
}

/** The code and offset of the DecodeError `action` throws; fails when it throws nothing. */
export function decodeErrorOf(action: () => unknown): { code: string; offset: number | undefined } {
  const e = thrownDecodeError(action);
  return { code: e.code, offset: e.offset };
}

/** The message of the DecodeError `action` throws; fails when it throws nothing or another error. */
export function decodeMessageOf(action: () => unknown): string {
  return thrownDecodeError(action).message;
}

/** The invariant of the AssertionError `action` throws; without `ifNone`, fails when it throws nothing. */
export function invariantOf(action: () => unknown): string;
export function invariantOf<N extends string | null>(action: () => unknown, ifNone: N): string | N;
export function invariantOf(action: () => unknown, ...ifNone: [] | [string | null]): string | null {
  try {
    action();
  } catch (e) {
    if (e instanceof AssertionError) return e.invariant;
    throw e;
  }
  if (ifNone.length === 0) throw new Error('expected an AssertionError');
  return ifNone[0];
}
