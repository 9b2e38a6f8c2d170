// The Prometheus binding as an operator reads it: a serving node and a protocol server over real
// TCP report each request's latency by op and outcome, and every RESOURCE_EXHAUSTED answer by the
// limit that was reached, where the answer is produced (the serving node for the sequence ledger's
// limits, the protocol server for connections and requests in flight).
import { afterEach, describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest } from '../core/protocol.js';
import { NodeClock } from '../drivers/node/clock.js';
import { waitUntil } from '../drivers/node/test-support.js';
import { NodeTransport } from '../drivers/node/transport.js';
import type { Connection, Transport } from '../drivers/ports.js';
import { ProtocolServer } from '../drivers/server/protocol-server.js';
import { ServingNode } from '../drivers/server/serving-node.js';
import { MemoryDriver } from '../drivers/testing/memory-driver.js';
import { PrometheusMetrics } from './metrics.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(limits: { connectionsMax?: number; requestsInFlightMax?: number } = {}, withoutBackpressure = false) {
  const metrics = new PrometheusMetrics();
  const clock = new NodeClock();
  const driver = new MemoryDriver();
  const node = new ServingNode({ driver, clock, metrics });
  node.start();
  await node.waitUntilServing(5_000);
  const transport = new NodeTransport();
  // A transport whose connections cannot pause reading: the server then refuses past its cap.
  const served: Transport = withoutBackpressure
    ? {
        listen: (address, onConnection) =>
          transport.listen(address, (c) => onConnection({ remote: c.remote, setHandlers: (h) => c.setHandlers(h), send: (b) => c.send(b), close: () => c.close() })),
        connect: (address) => transport.connect(address),
      }
    : transport;
  const server = await ProtocolServer.start({ node, transport: served, clock, listen: { host: '127.0.0.1', port: 0 }, metrics, ...limits });
  cleanups.push(async () => {
    await server.close(0);
    await node.close();
  });
  const connect = async () => {
    const connection: Connection = await transport.connect(server.address);
    const answers: ReturnType<typeof decodeResponse>[] = [];
    connection.setHandlers({ onFrame: (body) => answers.push(decodeResponse(body)), onClose: () => {} });
    cleanups.push(async () => connection.close());
    return { connection, answers };
  };
  return { metrics, driver, server, connect };
}

/** The value of one series (`name{labels}` exactly as exposed), or 0 when it was never set. */
async function value(metrics: PrometheusMetrics, series: string): Promise<number> {
  const line = (await metrics.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('request latency', () => {
  it('is a histogram per op and outcome, in seconds, with buckets from 50 µs to 5 s', async () => {
    const { metrics, connect } = await serve();
    const client = await connect();
    client.connection.send(encodeRequest({ id: 1, op: 'getTs', count: 3 }));
    client.connection.send(encodeRequest({ id: 2, op: 'getTs', count: 2 }));
    client.connection.send(encodeRequest({ id: 3, op: 'getSeq', key: 'k', count: 2, clientId: 5n, requestId: 1n }));
    await waitUntil(() => client.answers.length === 3, 'three answers');
    client.connection.send(encodeRequest({ id: 4, op: 'getSeq', key: 'k', count: 2, clientId: 5n, requestId: 1n })); // a retry, answered again
    await waitUntil(() => client.answers.length === 4, 'the retried getSeq');

    expect(await value(metrics, 'tsoracle_request_duration_seconds_count{op="getTs",outcome="OK"}')).toBe(2);
    expect(await value(metrics, 'tsoracle_request_duration_seconds_count{op="getSeq",outcome="OK"}')).toBe(2);
    expect(await value(metrics, 'tsoracle_request_duration_seconds_bucket{le="5",op="getTs",outcome="OK"}')).toBe(2);
    const sumSeconds = await value(metrics, 'tsoracle_request_duration_seconds_sum{op="getTs",outcome="OK"}');
    expect(sumSeconds).toBeGreaterThan(0);
    expect(sumSeconds).toBeLessThan(5);
    const text = await metrics.text();
    expect(text).toContain('# TYPE tsoracle_request_duration_seconds histogram');
    expect(text).toContain('tsoracle_request_duration_seconds_bucket{le="0.00005",op="getTs",outcome="OK"}');
  });

  it('labels a refusal by its wire code', async () => {
    const { metrics, driver, connect } = await serve();
    driver.leaseHeld = false;
    const client = await connect();
    client.connection.send(encodeRequest({ id: 1, op: 'getTs', count: 1 }));
    await waitUntil(() => client.answers.length === 1, 'the NOT_LEADER answer');
    expect(client.answers[0]).toMatchObject({ ok: false, code: 'NOT_LEADER' });
    expect(await value(metrics, 'tsoracle_request_duration_seconds_count{op="getTs",outcome="NOT_LEADER"}')).toBe(1);
    expect(await value(metrics, 'tsoracle_request_duration_seconds_count{op="getTs",outcome="OK"}')).toBe(0);
  });
});

describe('RESOURCE_EXHAUSTED answers', () => {
  it('are counted by reason where the ledger refuses: the key cap and a counter overflow', async () => {
    const { metrics, driver, connect } = await serve();
    const failures: Array<'SEQ_KEY_CARDINALITY_EXCEEDED' | 'SEQ_OVERFLOW'> = ['SEQ_KEY_CARDINALITY_EXCEEDED', 'SEQ_OVERFLOW', 'SEQ_KEY_CARDINALITY_EXCEEDED'];
    driver.advanceSeq = async () => ({ ok: false, code: failures.shift() ?? 'SEQ_OVERFLOW', message: 'injected' });
    const client = await connect();
    for (const id of [1, 2, 3]) client.connection.send(encodeRequest({ id, op: 'getSeq', key: `k${id}`, count: 1, clientId: 5n, requestId: BigInt(id) }));
    await waitUntil(() => client.answers.length === 3, 'three refusals');
    expect(client.answers.map((a) => (a.ok ? 'ok' : a.code))).toEqual(['RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED']);
    expect(await value(metrics, 'tsoracle_resource_exhausted_total{reason="seq_key_cardinality"}')).toBe(2);
    expect(await value(metrics, 'tsoracle_resource_exhausted_total{reason="seq_counter_overflow"}')).toBe(1);
    expect(await value(metrics, 'tsoracle_request_duration_seconds_count{op="getSeq",outcome="RESOURCE_EXHAUSTED"}')).toBe(3);
  });

  it('at the in-flight cap a connection is not read until an answer frees a slot: backpressure, not a refusal', async () => {
    const { metrics, driver, server, connect } = await serve({ requestsInFlightMax: 1 });
    let release: (() => void) | null = null;
    const advance = driver.advanceSeq.bind(driver);
    driver.advanceSeq = (request, epoch) => new Promise((resolve) => (release = () => resolve(advance(request, epoch))));
    const client = await connect();
    client.connection.send(encodeRequest({ id: 1, op: 'getSeq', key: 'k', count: 1, clientId: 5n, requestId: 1n }));
    await waitUntil(() => server['inFlightTotal'] === 1, 'the getSeq to be in flight');
    client.connection.send(encodeRequest({ id: 2, op: 'getTs', count: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.answers).toEqual([]); // the getTs waits, unread, behind the getSeq
    (release as unknown as () => void)();
    await waitUntil(() => client.answers.length === 2, 'both answers');
    expect(client.answers.map((a) => [a.id, a.ok])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(await value(metrics, 'tsoracle_resource_exhausted_total{reason="requests_in_flight"}')).toBe(0);
  });

  it('are counted by reason where the protocol server refuses: requests in flight on a connection (a transport without backpressure), then connections', async () => {
    const { metrics, driver, server, connect } = await serve({ connectionsMax: 1, requestsInFlightMax: 1 }, true);
    driver.advanceSeq = () => new Promise(() => {}); // the first getSeq stays in flight
    const client = await connect();
    client.connection.send(encodeRequest({ id: 1, op: 'getSeq', key: 'k', count: 1, clientId: 5n, requestId: 1n }));
    await waitUntil(() => server['inFlightTotal'] === 1, 'the getSeq to be in flight');
    client.connection.send(encodeRequest({ id: 2, op: 'getTs', count: 1 }));
    await waitUntil(() => client.answers.length === 1, 'the in-flight refusal');
    expect(client.answers[0]).toMatchObject({ id: 2, ok: false, code: 'RESOURCE_EXHAUSTED' });
    expect(await value(metrics, 'tsoracle_resource_exhausted_total{reason="requests_in_flight"}')).toBe(1);

    const second = await connect();
    await waitUntil(() => second.answers.length === 1, 'the connection refusal');
    expect(second.answers[0]).toMatchObject({ id: 0, ok: false, code: 'RESOURCE_EXHAUSTED' });
    expect(await value(metrics, 'tsoracle_resource_exhausted_total{reason="connections"}')).toBe(1);
  });
});
