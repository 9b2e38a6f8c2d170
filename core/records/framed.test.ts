// Unit tests of the shared record frame (`magic | version | body | crc32c`): the order of its
// checks and their boundaries, on a kind of its own (not TSOR's own length checks, which shadow
// the frame's for the high-water record). Issue 22: these kill mutants the fuzz set left alive.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.js';
import { openFramedRecord, RECORD_CRC_BYTES, RECORD_HEADER_BYTES, sealFramedRecord, type FramedRecordKind } from './framed.js';
import { codeOf } from '../test-support.js';

const codeOfOrAccepted = (run: () => unknown): string => codeOf(run, 'accepted');

const kind: FramedRecordKind = { magic: 'TSTK', bytesMinByVersion: new Map([[1, RECORD_HEADER_BYTES + 4 + RECORD_CRC_BYTES]]) };

describe('openFramedRecord', () => {
  it('refuses a record shorter than header and CRC with RECORD_TOO_SHORT, before reading the version', () => {
    const bytes = sealFramedRecord('TSTK', 1, (w) => w.u32(7));
    const headerAndCrc = RECORD_HEADER_BYTES + RECORD_CRC_BYTES;
    for (let length = 0; length < headerAndCrc; length++) {
      expect(codeOfOrAccepted(() => openFramedRecord(bytes.subarray(0, length), kind))).toBe('RECORD_TOO_SHORT');
    }
  });

  it('refuses a record below its version\'s minimum with RECORD_TOO_SHORT, not a CRC mismatch', () => {
    const empty = sealFramedRecord('TSTK', 1, () => undefined);
    expect(empty.length).toBe(RECORD_HEADER_BYTES + RECORD_CRC_BYTES);
    expect(codeOfOrAccepted(() => openFramedRecord(empty, kind))).toBe('RECORD_TOO_SHORT');
    const three = sealFramedRecord('TSTK', 1, (w) => w.u8(1).u8(2).u8(3));
    expect(codeOfOrAccepted(() => openFramedRecord(three, kind))).toBe('RECORD_TOO_SHORT');
  });

  it('checks the magic of a record of exactly header and CRC (RECORD_BAD_MAGIC, not too short)', () => {
    const foreign = sealFramedRecord('XXXX', 1, () => undefined);
    expect(codeOfOrAccepted(() => openFramedRecord(foreign, kind))).toBe('RECORD_BAD_MAGIC');
  });

  it('accepts a record exactly at its version\'s minimum', () => {
    const bytes = sealFramedRecord('TSTK', 1, (w) => w.u32(7));
    const opened = openFramedRecord(bytes, kind);
    expect(opened.version).toBe(1);
    expect(opened.body.u32()).toBe(7);
    expect(opened.body.remaining).toBe(0);
  });
});

describe('sealFramedRecord', () => {
  it('refuses a magic that is not four printable ASCII characters (record_magic_four_ascii)', () => {
    for (const magic of ['TSO', 'TSORX', 'TS\nR', 'ATSO\n', '\nTSOR', 'TSOR\n']) {
      let invariant = '';
      try {
        sealFramedRecord(magic, 1, () => undefined);
      } catch (error) {
        expect(error).toBeInstanceOf(AssertionError);
        invariant = (error as AssertionError).invariant;
      }
      expect(invariant).toBe('record_magic_four_ascii');
    }
  });
});
