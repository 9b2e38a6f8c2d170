// The workload and the checker of the replicated-register example (docs/sim-api.md).
//
// Workload: each client process loops over reads and writes of unique values, one operation at
// a time through the simulated network, and records every operation in the shared `History`
// with invoke and end times on the world's single time base (`nowMs`, the world's virtual
// clock, not the node's own clock, which may drift or step). An operation whose answer did not
// come (timeout, closed connection) ends `unknown`: a write may or may not have taken effect.
//
// Checker (offline, over the whole history; exact, since the world orders every event):
//   - `version_two_values`: two acknowledged operations report one version with different
//     values (a version was reused: a write was lost and its version handed out again).
//   - `read_unknown_value`: a read returns a value no write was invoked with before it ended.
//   - `read_stale`: a read returns a version below one an operation had already returned
//     when the read was invoked (a lost acknowledged write, or a read that went back).
//   - `write_not_newer`: a write acknowledged with a version not above one an operation had
//     already returned when the write was invoked.
//   - `liveness_client_stuck`: after the faults stop, a client completes no operation.
//   - `process_failed`, `run_event_bound` (added by the harness): a program threw; a livelock.
// Together these say the acknowledged operations are ordered by version consistently with real
// time, which is linearizability of the register when values are unique.

import { type HostPort, type Program, sleep } from '../sim/index.js';
import { type ClientReply, type ClientRequest, decodeMessage, RECONNECT_DELAY_MS, RequestChannel } from './replicated-register.js';

export type Outcome = 'pending' | 'ok' | 'unknown';

export interface Operation {
  readonly client: string;
  readonly kind: 'read' | 'write';
  /** The value written (writes). */
  readonly written: string | null;
  readonly invokeMs: number;
  endMs: number | null;
  outcome: Outcome;
  /** The version the operation returned (ok only). */
  version: number | null;
  /** The value a read returned (ok reads only). */
  read: string | null;
}

export interface Violation {
  readonly kind: 'version_two_values' | 'read_unknown_value' | 'read_stale' | 'write_not_newer' | 'liveness_client_stuck' | 'process_failed' | 'run_event_bound';
  readonly message: string;
}

export class History {
  readonly operations: Operation[] = [];

  constructor(private readonly nowMs: () => number) {}

  invoke(client: string, kind: 'read' | 'write', written: string | null): Operation {
    const operation: Operation = { client, kind, written, invokeMs: this.nowMs(), endMs: null, outcome: 'pending', version: null, read: null };
    this.operations.push(operation);
    return operation;
  }

  complete(operation: Operation, version: number, read: string | null): void {
    operation.endMs = this.nowMs();
    operation.outcome = 'ok';
    operation.version = version;
    operation.read = read;
  }

  fail(operation: Operation): void {
    operation.endMs = this.nowMs();
    operation.outcome = 'unknown';
  }
}

export interface ClientOptions {
  readonly primary: HostPort;
  readonly history: History;
  readonly requestTimeoutMs: number;
  readonly thinkMsMax: number;
}

/** A client process: reads and writes (half each) through the network until it dies. */
export function clientProgram(options: ClientOptions): Program {
  return async ({ transport, clock, rng, node, incarnation }) => {
    let written = 0;
    const loop = async (): Promise<void> => {
      let channel: RequestChannel | null = null;
      for (let id = 1; ; id++) {
        if (channel === null || channel.closed) channel = await RequestChannel.open(transport, options.primary, clock);
        if (channel === null) {
          await sleep(clock, RECONNECT_DELAY_MS);
          continue;
        }
        const value = `${node}#${incarnation}/${++written}`;
        const request: ClientRequest = rng.chance(1, 2) ? { t: 'write', id, value } : { t: 'read', id };
        const operation = options.history.invoke(node, request.t, request.t === 'write' ? value : null);
        const body = await channel.request(request, options.requestTimeoutMs);
        const reply = body === null ? null : decodeMessage<ClientReply>(body);
        if (reply === null || reply.id !== id) options.history.fail(operation);
        else options.history.complete(operation, reply.version, reply.t === 'value' ? reply.value : null);
        await sleep(clock, rng.int(0, options.thinkMsMax));
      }
    };
    void loop();
    return {};
  };
}

/** Checks the history; `healedMs` is when the faults stopped, `endMs` the end of the run. */
export function checkHistory(history: History, healedMs: number, endMs: number): Violation[] {
  const violations: Violation[] = [];
  const ok = history.operations.filter((o) => o.outcome === 'ok');
  const describe = (o: Operation): string =>
    `${o.client} ${o.kind}${o.written === null ? '' : `(${o.written})`} [${o.invokeMs}, ${o.endMs}] -> v${o.version}${o.kind === 'read' ? ` = ${o.read}` : ''}`;

  const valueOf = new Map<number, { value: string | null; by: Operation | null }>([[0, { value: null, by: null }]]);
  for (const o of ok) {
    const value = o.kind === 'write' ? o.written : o.read;
    const known = valueOf.get(o.version as number);
    if (known === undefined) valueOf.set(o.version as number, { value, by: o });
    else if (known.value !== value) {
      violations.push({ kind: 'version_two_values', message: `v${o.version} is ${JSON.stringify(known.value)} and ${JSON.stringify(value)}: ${describe(o)}` });
    }
  }

  const writeInvokedMs = new Map<string, number>();
  for (const o of history.operations) if (o.written !== null) writeInvokedMs.set(o.written, o.invokeMs);
  for (const o of ok) {
    if (o.kind !== 'read' || o.read === null) continue;
    const invoked = writeInvokedMs.get(o.read);
    if (invoked === undefined || invoked > (o.endMs as number)) violations.push({ kind: 'read_unknown_value', message: describe(o) });
  }

  // Sweep in time order: the highest version returned by an operation that ended before each invoke.
  const byEnd = [...ok].sort((a, b) => (a.endMs as number) - (b.endMs as number));
  const byInvoke = [...ok].sort((a, b) => a.invokeMs - b.invokeMs);
  let floor: Operation | null = null;
  let next = 0;
  for (const o of byInvoke) {
    for (; next < byEnd.length && ((byEnd[next] as Operation).endMs as number) < o.invokeMs; next++) {
      const done = byEnd[next] as Operation;
      if (floor === null || (done.version as number) > (floor.version as number)) floor = done;
    }
    if (floor === null) continue;
    const version = o.version as number;
    const floorVersion = floor.version as number;
    if (o.kind === 'read' && version < floorVersion) {
      violations.push({ kind: 'read_stale', message: `${describe(o)} after ${describe(floor)}` });
    }
    if (o.kind === 'write' && version <= floorVersion) {
      violations.push({ kind: 'write_not_newer', message: `${describe(o)} after ${describe(floor)}` });
    }
  }

  const clients = [...new Set(history.operations.map((o) => o.client))];
  for (const client of clients) {
    if (!ok.some((o) => o.client === client && o.invokeMs >= healedMs)) {
      violations.push({ kind: 'liveness_client_stuck', message: `${client} completed no operation between ${healedMs} and ${endMs} ms` });
    }
  }
  return violations;
}
