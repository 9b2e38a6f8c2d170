// Target: Paxos peer messages (core/paxos/codec.ts decodePaxosMessage/encodePaxosMessage), the
// bytes a paxos node reads from another: a versioned envelope around a postcard enum of the
// eight message types, with structural checks (ids, ballot ranges, consecutive entries, a
// snapshot where a suffix starts). Not canonical (postcard accepts padded varints); decoded
// messages must re-encode, decode to themselves and encode stably.
import { paxosMessageArbitrary } from '../../core/paxos/arbitraries.js';
import { decodePaxosMessage, encodePaxosMessage, PAXOS_MESSAGE_VERSION } from '../../core/paxos/codec.js';
import type { PaxosMessage } from '../../core/paxos/types.js';
import { defineTarget, onlyDecodeError } from '../target.js';

const b = (n: number, nodeId: number) => ({ n, nodeId });

const seedMessages: PaxosMessage[] = [
  { type: 'pre-prepare', from: 1, to: 2, ballot: b(3, 1) },
  { type: 'pre-promise', from: 2, to: 1, ballot: b(3, 1), granted: true, promised: b(2, 3) },
  { type: 'prepare', from: 1, to: 2, ballot: b(3, 1), decidedIndex: 4, acceptedRound: b(2, 3), logEnd: 6 },
  {
    type: 'promise',
    from: 2,
    to: 1,
    ballot: b(3, 1),
    acceptedRound: b(2, 3),
    logEnd: 7,
    decidedIndex: 5,
    hasSuffix: true,
    snapshot: { lastIncludedIndex: 5, data: Uint8Array.of(1, 2) },
    suffixFrom: 5,
    entries: [
      { index: 6, ballot: b(2, 3), kind: 'normal', data: Uint8Array.of(9) },
      { index: 7, ballot: b(2, 3), kind: 'noop', data: new Uint8Array(0) },
    ],
  },
  { type: 'accept-sync', from: 1, to: 2, ballot: b(3, 1), round: 1, syncIndex: 4, decidedIndex: 4, entries: [{ index: 5, ballot: b(2, 3), kind: 'normal', data: Uint8Array.of(5) }] },
  { type: 'accept', from: 1, to: 3, ballot: b(3, 1), round: 2, startIndex: 8, decidedIndex: 7, entries: [{ index: 8, ballot: b(3, 1), kind: 'normal', data: Uint8Array.of(8, 8) }] },
  { type: 'accepted', from: 3, to: 1, ballot: b(3, 1), round: 2, synced: true, logEnd: 8 },
  { type: 'nack', from: 3, to: 2, ballot: b(1, 2), promised: b(3, 1) },
];

export default defineTarget<PaxosMessage>({
  name: 'paxos-message',
  description: 'Paxos peer messages: decodePaxosMessage/encodePaxosMessage (envelope + postcard enum)',
  decode: decodePaxosMessage,
  encode: encodePaxosMessage,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: paxosMessageArbitrary,
  seeds: () => seedMessages.map(encodePaxosMessage),
  dictionary: [Uint8Array.of(PAXOS_MESSAGE_VERSION), ...[0, 1, 2, 3, 4, 5, 6, 7].map((v) => Uint8Array.of(v)), Uint8Array.of(0x80, 0x08), Uint8Array.of(0xff, 0xff, 0x03)],
});
