// An outside client of the tsoracle.v1 gRPC service: Python with Debian's python3-grpcio, its stubs
// generated at test time from the shipped proto/tsoracle/v1/tso.proto by Debian's protoc and
// grpc_python_plugin (drivers/grpc/python/tso_probe.py is the client). Against the built CLI in
// child processes on loopback: a file server, and a 3-node Raft cluster where the probe follows
// each follower's `tsoracle-leader-hint-bin` trailer to the leader. The probe checks exact GetTs
// grants, strictly increasing timestamps, gapless GetSeq and GetSeqBatch blocks with their epoch,
// the safe points (0 on a follower), UNIMPLEMENTED for the three lease RPCs and the original's
// golden lease bytes. Without the tools the suite is
// skipped and its name says which one is missing (.ci/run installs them).
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { ChildTracker, freePorts, REPO_ROOT, waitFor, type ServerChild } from './test-support.js';

/** Debian's python3-grpcio lives in the system interpreter, which may not be first on the PATH. */
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status === 0);
const PROTOC = spawnSync('protoc', ['--version'], { stdio: 'ignore' }).status === 0;
const PLUGIN = ['/usr/bin/grpc_python_plugin'].concat(spawnSync('sh', ['-c', 'command -v grpc_python_plugin'], { encoding: 'utf8' }).stdout.trim() || []).find((p) => spawnSync('test', ['-x', p]).status === 0);
const MISSING = [PYTHON === undefined ? 'python3-grpcio' : null, PROTOC ? null : 'protobuf-compiler (protoc)', PLUGIN === undefined ? 'protobuf-compiler-grpc (grpc_python_plugin)' : null].filter((m) => m !== null);
const SUITE_NAME =
  MISSING.length === 0
    ? 'a Python gRPC client generated from the shipped tso.proto'
    : `a Python gRPC client generated from the shipped tso.proto (SKIPPED: missing ${MISSING.join(', ')}; .ci/run installs them with apt-get)`;

const PROBE = join(REPO_ROOT, 'drivers', 'grpc', 'python', 'tso_probe.py');
const PROBE_TIMEOUT_S = 30;
const TEST_TIMEOUT_MS = 60_000;

const children = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await children.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(prefix: string): Promise<string> {
  const { dir, remove } = await makeTempDir(prefix);
  cleanups.push(remove);
  return dir;
}

interface ProbeReport {
  readonly leader: string;
  readonly hops: ReadonlyArray<{ from: string; code: string; to: string }>;
  readonly ts_calls: number;
  readonly seq_calls: number;
  readonly seq_batch_calls: number;
  readonly safe_point_calls: number;
  readonly unimplemented: readonly string[];
}

/** Runs the probe (bounded: its own deadline, then a SIGKILL); rejects with its stderr on failure. */
function probe(stubs: string, endpoints: readonly string[]): Promise<ProbeReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON as string, [PROBE, '--stubs', stubs, '--endpoints', endpoints.join(','), '--timeout', String(PROBE_TIMEOUT_S)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), (PROBE_TIMEOUT_S + 10) * 1000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout) as ProbeReport);
      else reject(new Error(`tso_probe.py exited ${code}: ${stderr.trim()}`));
    });
  });
}

/** The `grpc on H:P` endpoint a server child printed. */
async function grpcEndpoint(server: ServerChild): Promise<string> {
  await waitFor(() => /^grpc on /m.test(server.stderr()) || server.hasExited(), "the 'grpc on' line");
  const match = /^grpc on (\S+)$/m.exec(server.stderr());
  if (match === null) throw new Error(`no 'grpc on' line: ${server.stderr()}`);
  return match[1] as string;
}

async function portFree(port: number): Promise<boolean> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) await new Promise((resolve) => server.close(resolve));
  return bound;
}

describe.skipIf(MISSING.length > 0)(SUITE_NAME, () => {
  let stubs = '';
  let removeStubs = async (): Promise<void> => {};
  afterAll(() => removeStubs());
  beforeAll(async () => {
    // Kept for the whole suite (afterEach removes only each test's own directories).
    ({ dir: stubs, remove: removeStubs } = await makeTempDir('tsoracle-grpc-stubs-'));
    const generated = spawnSync(
      'protoc',
      ['-I', join(REPO_ROOT, 'proto'), `--python_out=${stubs}`, `--grpc_python_out=${stubs}`, `--plugin=protoc-gen-grpc_python=${PLUGIN as string}`, 'tsoracle/v1/tso.proto'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(generated.status, generated.stderr).toBe(0);
  });

  it(
    'gets exact timestamp grants, gapless blocks, batches, safe points and UNIMPLEMENTED leases from a file server, counted by method and code in /metrics',
    async () => {
      const dir = await tempDir('tsoracle-grpc-file-');
      const server = await children.serve({ dataDir: join(dir, 'data'), httpListen: '127.0.0.1:0', extraArgs: ['--grpc-listen', '127.0.0.1:0'] });
      const endpoint = await grpcEndpoint(server);
      const report = await probe(stubs, [endpoint]);
      expect(report).toMatchObject({ leader: endpoint, hops: [], ts_calls: 32, seq_calls: 20, seq_batch_calls: 3, safe_point_calls: 2 });
      expect(report.unimplemented).toEqual(['AcquireLease', 'RenewLease', 'ReleaseLease']);
      const metrics = await (await fetch(`http://${server.httpEndpoint as string}/metrics`)).text();
      expect(metrics).toMatch(/^tsoracle_grpc_requests_total\{method="GetTs",code="OK"\} 3[3-9]$/m);
      expect(metrics).toMatch(/^tsoracle_grpc_requests_total\{method="GetSeq",code="INVALID_ARGUMENT"\} 1$/m);
      expect(metrics).toMatch(/^tsoracle_grpc_requests_total\{method="GetSeqBatch",code="OK"\} 3$/m);
      expect(metrics).toMatch(/^tsoracle_grpc_requests_total\{method="GetSeqBatch",code="INVALID_ARGUMENT"\} 1$/m);
      expect(metrics).toMatch(/^tsoracle_grpc_requests_total\{method="GetSafeFrontier",code="OK"\} 1$/m);
      expect(metrics).toMatch(/^tsoracle_grpc_requests_total\{method="RenewLease",code="UNIMPLEMENTED"\} 1$/m);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'follows every follower’s not-leader trailer to the leader of a 3-node Raft cluster and gets the same guarantees there',
    async () => {
      const dir = await tempDir('tsoracle-grpc-raft-');
      const ports = await freePorts(6);
      const servicePort = (id: number) => ports[id + 2] as number;
      // Every node's gRPC port is its service port plus one offset (the hint rule): find one
      // where all three are free.
      let offset = 0;
      for (const candidate of [1000, 1500, 2000, 2500, 3000, -1000, -1500, -2000]) {
        const wanted = [1, 2, 3].map((id) => servicePort(id) + candidate);
        if (wanted.every((p) => p > 1024 && p < 65_536) && (await Promise.all(wanted.map(portFree))).every(Boolean)) {
          offset = candidate;
          break;
        }
      }
      expect(offset).not.toBe(0);
      const raft = (id: number) => `127.0.0.1:${ports[id - 1] as number}`;
      const service = (id: number) => `127.0.0.1:${servicePort(id)}`;
      const grpcOf = (id: number) => `127.0.0.1:${servicePort(id) + offset}`;
      const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
      const nodes = await Promise.all(
        [1, 2, 3].map((id) =>
          children.serve({
            dataDir: '',
            httpListen: 'off',
            args: ['serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off', '--grpc-listen', grpcOf(id)],
          }),
        ),
      );
      for (const node of nodes) await grpcEndpoint(node);
      const report = await probe(stubs, [1, 2, 3].map(grpcOf));
      expect([1, 2, 3].map(grpcOf)).toContain(report.leader);
      expect(report.hops).toHaveLength(2);
      for (const hop of report.hops) expect(hop).toMatchObject({ code: 'FAILED_PRECONDITION', to: report.leader });
      expect(report).toMatchObject({ ts_calls: 32, seq_calls: 20, seq_batch_calls: 3, safe_point_calls: 6 });
      expect(report.unimplemented).toHaveLength(3);
    },
    TEST_TIMEOUT_MS,
  );
});
