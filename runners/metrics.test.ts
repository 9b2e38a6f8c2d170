// The Prometheus binding as an operator reads it: a serving node and a protocol server over real
// TCP report each request's latency by op and outcome.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest } from '../core/protocol.js';
import { NodeClock } from '../drivers/node/clock.js';
import { waitUntil } from '../drivers/node/test-support.js';
import { NodeTransport } from '../drivers/node/transport.js';
import type { Connection } from '../drivers/ports.js';
import { ProtocolServer } from '../drivers/server/protocol-server.js';
import { ServingNode } from '../drivers/server/serving-node.js';
import { MemoryDriver } from '../drivers/testing/memory-driver.js';
import { PrometheusMetrics } from './metrics.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(limits: { connectionsMax?: number; requestsInFlightMax?: number } = {}) {
  const metrics = new PrometheusMetrics();
  const clock = new NodeClock();
  const driver = new MemoryDriver();
  const node = new ServingNode({ driver, clock, metrics });
  node.start();
  await node.waitUntilServing(5_000);
  const transport = new NodeTransport();
  const server = await ProtocolServer.start({ node, transport, clock, listen: { host: '127.0.0.1', port: 0 }, metrics, ...limits });
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
