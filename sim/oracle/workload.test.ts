// The client workload's explanation of a stuck call: the last client event of the call's kind,
// kept as the event and rendered only when asked (not at every event of every call).
import { describe, expect, it } from 'vitest';
import { History } from './history.js';
import { ClientWorkload } from './workload.js';

describe('ClientWorkload.lastEventOf', () => {
  it('names no event before the client reported one, then the last one of the call kind with its virtual time', () => {
    const history = new History();
    const session = history.openSession('client-1', 0, 7n);
    const ts = history.invoke(session, 'getTs', 1, null, 10);
    const seq = history.invoke(session, 'getSeq', 2, 'k', 11);
    expect(ClientWorkload.lastEventOf(ts)).toBe('no client event');
    session.lastEvent.getTs = { atMs: 12, event: { type: 'attempt', op: 'getTs', endpoint: '10.0.0.1:50551', count: 1 } };
    session.lastEvent.getSeq = {
      atMs: 15,
      event: { type: 'attemptFailed', op: 'getSeq', endpoint: '10.0.0.2:50551', code: 'TIMEOUT', sent: true, message: 'no answer' },
    };
    expect(ClientWorkload.lastEventOf(ts)).toBe('t=12 attempt to 10.0.0.1:50551 (count 1)');
    expect(ClientWorkload.lastEventOf(seq)).toBe('t=15 attempt to 10.0.0.2:50551 failed: TIMEOUT (sent): no answer');
  });
});
