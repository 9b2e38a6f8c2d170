// Keeps the one registry of error codes (core/errors.ts) and its documentation (docs/errors.md)
// in step: every code is documented, and the docs name no code that does not exist.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError, ErrorCode, TsoError } from './errors.js';

const docs = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const documented = new Set([...docs.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));

describe('error code registry', () => {
  it('every code is its own name', () => {
    for (const [name, code] of Object.entries(ErrorCode)) expect(code).toBe(name);
  });

  it('every code is documented in docs/errors.md', () => {
    const missing = Object.values(ErrorCode).filter((c) => !documented.has(c));
    expect(missing).toEqual([]);
  });

  it('docs/errors.md documents no code that does not exist', () => {
    const codes = new Set<string>(Object.values(ErrorCode));
    const unknown = [...documented].filter((c) => c !== undefined && !codes.has(c));
    expect(unknown).toEqual([]);
  });

  it('errors carry their code in the message and as a field', () => {
    const d = new DecodeError('RECORD_CRC_MISMATCH', 'bad crc', 13);
    expect(d.code).toBe('RECORD_CRC_MISMATCH');
    expect(d.offset).toBe(13);
    expect(d.message).toContain('RECORD_CRC_MISMATCH');
    const t = new TsoError('SEQ_UNCERTAIN', 'lost', { requestId: '7' });
    expect(t.code).toBe('SEQ_UNCERTAIN');
    expect(t.details).toEqual({ requestId: '7' });
  });
});
