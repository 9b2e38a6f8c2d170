// The small etcd v3 interface the etcd driver needs (transactions, linearized ranges, lease
// grant / keep-alive / revoke, version), and its real implementation over etcd's own v3 JSON
// gateway (the same KV and Lease services as gRPC, served on the client port as
// POST /v3/kv/txn, /v3/kv/range, /v3/lease/...), with Node's fetch.
//
// Why not the `etcd3` npm package or @grpc/grpc-js: `etcd3` wraps every call in a retry policy
// (Cockatiel, 3 retries by default), and a retried transaction whose first answer was lost may
// apply twice; its elections had a multiple-leader bug (microsoft/etcd3#176). @grpc/grpc-js needs
// etcd's .proto files vendored into the repository (Debian's etcd-server ships none). The
// gateway needs no dependency at all, and each call here is sent exactly once.
//
// Invariants:
//   - Every call finishes in bounded time: it is aborted after `requestTimeoutMs`, and a call
//     that did not get a whole answer rejects with EtcdUnavailableError (outcome unknown for a
//     transaction: the caller must not assume it failed, nor retry it blindly).
//   - A transaction or lease grant is sent exactly once: after a failure the NEXT call goes to
//     the next endpoint. Reads and lease keep-alives / revokes (idempotent) try each endpoint at
//     most once within the call, so one dead member costs one failed attempt, not a failed read:
//     a call takes at most (endpoints × requestTimeoutMs).
//   - Keys and values are UTF-8 strings on this interface (base64 on the wire); 64-bit integers
//     (revisions, lease ids) are bigint.

/** etcd could not be reached, or did not answer in time: the outcome of the call is unknown. */
export class EtcdUnavailableError extends Error {
  override readonly name = 'EtcdUnavailableError';
}

/** etcd answered with an error (e.g. too many operations in a transaction). */
export class EtcdRequestError extends Error {
  override readonly name = 'EtcdRequestError';
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

export interface EtcdKeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: bigint;
  readonly modRevision: bigint;
  readonly lease: bigint;
}

export type EtcdCompare =
  | { readonly key: string; readonly target: 'CREATE'; readonly result: 'EQUAL' | 'NOT_EQUAL'; readonly createRevision: bigint }
  | { readonly key: string; readonly target: 'MOD'; readonly result: 'EQUAL' | 'NOT_EQUAL'; readonly modRevision: bigint };

export type EtcdOp =
  | { readonly put: { readonly key: string; readonly value: string; readonly lease?: bigint } }
  | { readonly range: { readonly key: string; readonly prefix?: boolean } }
  /** Deletes `key`, every key under it (`prefix`), or every key in [key, rangeEnd) by bytes (`rangeEnd`). */
  | { readonly deleteRange: { readonly key: string; readonly prefix?: boolean; readonly rangeEnd?: string } };

export interface EtcdTxnResult {
  readonly succeeded: boolean;
  /** The store's revision after the transaction (the mod revision of its puts when it wrote). */
  readonly revision: bigint;
  /** One entry per op of the branch taken; a range answers its key-values, others []. */
  readonly ranges: ReadonlyArray<readonly EtcdKeyValue[]>;
}

export interface EtcdRange {
  readonly revision: bigint;
  readonly kvs: readonly EtcdKeyValue[];
}

export interface EtcdClient {
  /** Linearized read of one key, or of every key under a prefix (ascending by key bytes). */
  range(key: string, options?: { readonly prefix?: boolean }): Promise<EtcdRange>;
  txn(compare: readonly EtcdCompare[], success: readonly EtcdOp[], failure: readonly EtcdOp[]): Promise<EtcdTxnResult>;
  /** Grants a lease of `ttlSeconds`; returns its id and the TTL etcd granted. */
  leaseGrant(ttlSeconds: number): Promise<{ readonly id: bigint; readonly ttlSeconds: number }>;
  /** One keep-alive; the remaining TTL in seconds, 0 when the lease is gone (expired or revoked). */
  leaseKeepAlive(id: bigint): Promise<number>;
  leaseRevoke(id: bigint): Promise<void>;
  /** The server's version, e.g. "3.4.23". */
  version(): Promise<string>;
}

export const ETCD_REQUEST_TIMEOUT_MS_DEFAULT = 2_000;

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function unb64(text: unknown): string {
  return typeof text === 'string' ? Buffer.from(text, 'base64').toString('utf8') : '';
}

function big(value: unknown): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'string' || typeof value === 'number') return BigInt(value);
  throw new EtcdRequestError(`etcd answered a malformed integer: ${JSON.stringify(value)}`, 200);
}

/** The range end that selects every key starting with `prefix` (etcd's "prefix + 1"). */
export function prefixRangeEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if ((bytes[i] as number) < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = (bytes[i] as number) + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

function rangeBody(key: string, prefix: boolean | undefined): Record<string, string> {
  return prefix === true ? { key: b64(key), range_end: prefixRangeEnd(key).toString('base64') } : { key: b64(key) };
}

type Json = Record<string, unknown>;

function parseKvs(kvs: unknown): EtcdKeyValue[] {
  if (!Array.isArray(kvs)) return [];
  return kvs.map((kv: Json) => ({
    key: unb64(kv['key']),
    value: unb64(kv['value']),
    createRevision: big(kv['create_revision']),
    modRevision: big(kv['mod_revision']),
    lease: big(kv['lease']),
  }));
}

function opBody(op: EtcdOp): Json {
  if ('put' in op) {
    const put: Json = { key: b64(op.put.key), value: b64(op.put.value) };
    if (op.put.lease !== undefined) put['lease'] = op.put.lease.toString();
    return { request_put: put };
  }
  if ('range' in op) return { request_range: rangeBody(op.range.key, op.range.prefix) };
  if (op.deleteRange.rangeEnd !== undefined) return { request_delete_range: { key: b64(op.deleteRange.key), range_end: b64(op.deleteRange.rangeEnd) } };
  return { request_delete_range: rangeBody(op.deleteRange.key, op.deleteRange.prefix) };
}

function compareBody(compare: EtcdCompare): Json {
  return compare.target === 'CREATE'
    ? { key: b64(compare.key), target: 'CREATE', result: compare.result, create_revision: compare.createRevision.toString() }
    : { key: b64(compare.key), target: 'MOD', result: compare.result, mod_revision: compare.modRevision.toString() };
}

/** Parses `http://h:p,h:p` into base URLs; throws a TypeError naming the bad item. */
export function parseEtcdEndpoints(text: string): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new TypeError('--etcd-endpoints is empty: give one or more http://HOST:PORT');
  return items.map((item) => {
    const withScheme = /^[a-z]+:\/\//i.test(item) ? item : `http://${item}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new TypeError(`--etcd-endpoints: ${JSON.stringify(item)} is not HOST:PORT or http://HOST:PORT`);
    }
    if (url.protocol !== 'http:' || url.port === '' || url.pathname !== '/') {
      throw new TypeError(`--etcd-endpoints: ${JSON.stringify(item)} must be http://HOST:PORT (TLS is not supported yet)`);
    }
    return `${url.protocol}//${url.host}`;
  });
}

/** The real client: etcd's v3 JSON gateway over fetch, one endpoint at a time. */
export class EtcdHttpClient implements EtcdClient {
  private endpointIndex = 0;

  constructor(
    private readonly endpoints: readonly string[],
    private readonly requestTimeoutMs = ETCD_REQUEST_TIMEOUT_MS_DEFAULT,
  ) {
    if (endpoints.length === 0) throw new TypeError('EtcdHttpClient needs at least one endpoint');
  }

  private async call(path: string, body: Json | null): Promise<Json> {
    const endpoint = this.endpoints[this.endpointIndex % this.endpoints.length] as string;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${endpoint}${path}`, {
        method: body === null ? 'GET' : 'POST',
        ...(body === null ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      text = await response.text();
    } catch (e) {
      this.endpointIndex++;
      const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      throw new EtcdUnavailableError(`etcd at ${endpoint}${path}: ${reason}`);
    }
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      this.endpointIndex++;
      throw new EtcdUnavailableError(`etcd at ${endpoint}${path} answered ${response.status} with no JSON: ${text.slice(0, 200)}`);
    }
    if (!response.ok || parsed['error'] !== undefined) {
      const message = typeof parsed['message'] === 'string' ? parsed['message'] : typeof parsed['error'] === 'string' ? parsed['error'] : text.slice(0, 200);
      // etcd answers 503 while it has no leader (no quorum): that is unavailability, not a bad request.
      if (response.status === 503 || /no leader|timed out|unavailable|stopped/i.test(message)) {
        this.endpointIndex++;
        throw new EtcdUnavailableError(`etcd at ${endpoint}${path}: ${message}`);
      }
      throw new EtcdRequestError(`etcd at ${endpoint}${path}: ${message}`, response.status);
    }
    return parsed;
  }

  /** An idempotent call: tried on each endpoint at most once, from the current one on. */
  private async callIdempotent(path: string, body: Json | null): Promise<Json> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call(path, body);
      } catch (e) {
        if (!(e instanceof EtcdUnavailableError) || attempt >= this.endpoints.length) throw e;
      }
    }
  }

  async range(key: string, options?: { readonly prefix?: boolean }): Promise<EtcdRange> {
    const answer = await this.callIdempotent('/v3/kv/range', rangeBody(key, options?.prefix));
    return { revision: big((answer['header'] as Json | undefined)?.['revision']), kvs: parseKvs(answer['kvs']) };
  }

  async txn(compare: readonly EtcdCompare[], success: readonly EtcdOp[], failure: readonly EtcdOp[]): Promise<EtcdTxnResult> {
    const answer = await this.call('/v3/kv/txn', { compare: compare.map(compareBody), success: success.map(opBody), failure: failure.map(opBody) });
    const responses = Array.isArray(answer['responses']) ? (answer['responses'] as Json[]) : [];
    return {
      succeeded: answer['succeeded'] === true,
      revision: big((answer['header'] as Json | undefined)?.['revision']),
      ranges: responses.map((r) => parseKvs((r['response_range'] as Json | undefined)?.['kvs'])),
    };
  }

  async leaseGrant(ttlSeconds: number): Promise<{ readonly id: bigint; readonly ttlSeconds: number }> {
    const answer = await this.call('/v3/lease/grant', { TTL: String(ttlSeconds) });
    return { id: big(answer['ID']), ttlSeconds: Number(big(answer['TTL'])) };
  }

  async leaseKeepAlive(id: bigint): Promise<number> {
    const answer = await this.callIdempotent('/v3/lease/keepalive', { ID: id.toString() });
    const result = answer['result'] as Json | undefined;
    return Number(big(result?.['TTL']));
  }

  async leaseRevoke(id: bigint): Promise<void> {
    try {
      await this.callIdempotent('/v3/lease/revoke', { ID: id.toString() });
    } catch (e) {
      // Revoking a lease that is already gone is the outcome wanted.
      if (e instanceof EtcdRequestError && /not found/i.test(e.message)) return;
      throw e;
    }
  }

  async version(): Promise<string> {
    const answer = await this.callIdempotent('/version', null);
    const version = answer['etcdserver'];
    if (typeof version !== 'string') throw new EtcdRequestError('etcd /version answered no etcdserver field', 200);
    return version;
  }
}
