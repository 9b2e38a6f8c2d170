// A shared-secret token for the client and gRPC ports (`--auth-token-file F`, docs/security.md):
// read from a file, compared in constant time, and never printable.
//
// Invariants:
//   - The secret is held only as bytes inside an AuthToken; its string forms (toString, JSON,
//     util.inspect) are `[redacted]`, so a token that reaches a log line or an error by accident
//     prints nothing of itself.
//   - `matches` compares SHA-256 digests of both sides with crypto.timingSafeEqual: its time does
//     not depend on where a guess first differs, nor (beyond hashing) on the guess's length.
//   - A token file holds one line: trailing CR/LF are dropped; an empty token, a token with
//     whitespace or control characters inside, or one above AUTH_TOKEN_BYTES_MAX is refused with
//     INVALID_CONFIG naming the flag, never the content.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ErrorCode, TsoError } from '../../core/errors.js';

/** Longest token accepted (bytes): a token travels on every gRPC call and in the native auth frame. */
export const AUTH_TOKEN_BYTES_MAX = 4_096;
/** The gRPC metadata key a client sends its token in, as `Bearer <token>`. */
export const AUTH_METADATA_KEY = 'authorization';

const PRINTABLE_TOKEN = /^[\x21-\x7e]+$/;

function digest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

export class AuthToken {
  readonly #digest: Buffer;
  readonly #value: string;

  private constructor(value: string) {
    this.#value = value;
    this.#digest = digest(Buffer.from(value, 'utf8'));
  }

  /** A token from its text; INVALID_CONFIG (naming `source`, never the text) when unusable. */
  static fromText(text: string, source = 'the auth token'): AuthToken {
    const value = text.replace(/[\r\n]+$/, '');
    if (value.length === 0) throw new TsoError(ErrorCode.INVALID_CONFIG, `${source} is empty`);
    if (Buffer.byteLength(value, 'utf8') > AUTH_TOKEN_BYTES_MAX) throw new TsoError(ErrorCode.INVALID_CONFIG, `${source} is longer than ${AUTH_TOKEN_BYTES_MAX} bytes`);
    if (!PRINTABLE_TOKEN.test(value)) throw new TsoError(ErrorCode.INVALID_CONFIG, `${source} must be one line of printable ASCII without spaces`);
    return new AuthToken(value);
  }

  /** Reads `--auth-token-file`; INVALID_CONFIG when it cannot be read or holds no usable token. */
  static fromFile(path: string, flag = '--auth-token-file'): AuthToken {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new TsoError(ErrorCode.INVALID_CONFIG, `${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    return AuthToken.fromText(text, `${flag} ${path}`);
  }

  /** Whether `presented` is this token, in time independent of where it differs. */
  matches(presented: string | Uint8Array | undefined | null): boolean {
    if (presented === undefined || presented === null) return false;
    const bytes = typeof presented === 'string' ? Buffer.from(presented, 'utf8') : presented;
    return timingSafeEqual(digest(bytes), this.#digest);
  }

  /** The secret itself, for a client to send. Never log it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'AuthToken([redacted])';
  }
}

/** The token of a gRPC `authorization: Bearer <token>` value, or null. */
export function bearerToken(value: string | Buffer | undefined): string | null {
  if (typeof value !== 'string') return null;
  const match = /^Bearer (\S+)$/.exec(value);
  return match === null ? null : (match[1] as string);
}
