// The native port's token through the real CLI, as child processes: `serve file
// --auth-token-file F` answers `get-ts --token-file F`, refuses a missing or wrong token with
// UNAUTHENTICATED (exit code non-zero, the server still serving), and never prints the token on
// its stderr, its stdout or its /metrics; a server without a token accepts a client that sends
// one (the field is ignored); `serve raft` and `serve paxos` check the token too (regression: serve
// paxos took --auth-token-file and served without it). Child processes because the CLI's exit and output are the product
// here (a test in the runner's own process cannot see how the process ends).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { ChildTracker, freePorts } from './test-support.js';

const TOKEN = 'native-port-token-5f1c9e';
const TEST_TIMEOUT_MS = 60_000;

const children = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await children.cleanup();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('the native port token through the CLI', () => {
  it(
    'serves get-ts with --token-file, refuses a missing or wrong token UNAUTHENTICATED, keeps serving, and never prints the token',
    async () => {
      const { dir, remove } = await makeTempDir('tsoracle-token-cli-');
      cleanups.push(remove);
      const tokenFile = join(dir, 'token');
      const wrongFile = join(dir, 'wrong');
      writeFileSync(tokenFile, `${TOKEN}\n`);
      writeFileSync(wrongFile, 'not-the-token-0000\n');
      const server = await children.serve({ dataDir: join(dir, 'data'), httpListen: '127.0.0.1:0', extraArgs: ['--auth-token-file', tokenFile] });

      const ok = await children.run(['get-ts', '--endpoints', server.endpoint, '--token-file', tokenFile]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout.trim()).toMatch(/^\d+$/);

      for (const args of [[], ['--token-file', wrongFile]]) {
        const refused = await children.run(['get-ts', '--endpoints', server.endpoint, ...args]);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toMatch(/UNAUTHENTICATED/);
        expect(refused.stderr + refused.stdout).not.toContain(TOKEN);
      }

      // Still serving after the refusals.
      const again = await children.run(['get-ts', '--endpoints', server.endpoint, '--token-file', tokenFile]);
      expect(again.code, again.stderr).toBe(0);

      const metrics = await (await fetch(`http://${server.httpEndpoint as string}/metrics`)).text();
      expect(metrics).toMatch(/unauthenticated/);
      for (const text of [metrics, server.stderr(), server.stdout()]) expect(text).not.toContain(TOKEN);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'serves lease acquire|renew|release, frontier, max-safe and get-seq-batch with --token-file and refuses each UNAUTHENTICATED without it',
    async () => {
      const { dir, remove } = await makeTempDir('tsoracle-token-cli-');
      cleanups.push(remove);
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, `${TOKEN}\n`);
      const server = await children.serve({ dataDir: join(dir, 'data'), extraArgs: ['--auth-token-file', tokenFile] });
      const ep = ['--endpoints', server.endpoint];

      const acquired = await children.run(['lease', 'acquire', 'holder-a', '--holder-epoch', '1', ...ep, '--token-file', tokenFile]);
      expect(acquired.code, acquired.stderr).toBe(0);
      const leaseId = /lease-id (\d+)/.exec(acquired.stdout)?.[1];
      expect(leaseId).toBeDefined();
      const commands: string[][] = [
        ['lease', 'renew', leaseId as string, ...ep],
        ['frontier', ...ep],
        ['max-safe', ...ep],
        ['get-seq-batch', 'k=2', ...ep],
        ['lease', 'release', leaseId as string, ...ep],
      ];
      for (const args of [['lease', 'acquire', 'holder-b', '--holder-epoch', '1', ...ep], ...commands]) {
        const refused = await children.run(args);
        expect(refused.code, args.join(' ')).not.toBe(0);
        expect(refused.stderr, args.join(' ')).toMatch(/UNAUTHENTICATED/);
      }
      for (const args of commands) {
        const ok = await children.run([...args, '--token-file', tokenFile]);
        expect(ok.code, `${args.join(' ')}: ${ok.stderr}`).toBe(0);
      }
    },
    TEST_TIMEOUT_MS,
  );

  for (const driver of ['raft', 'paxos'] as const) {
    it(
      `serve ${driver} --auth-token-file refuses get-ts without the token and serves it with the token (regression: paxos ignored the token)`,
      async () => {
        const { dir, remove } = await makeTempDir(`tsoracle-token-${driver}-`);
        cleanups.push(remove);
        const tokenFile = join(dir, 'token');
        writeFileSync(tokenFile, `${TOKEN}\n`);
        const [peerPort, servicePort] = (await freePorts(2)) as [number, number];
        const server = await children.serve({
          dataDir: '',
          args: ['serve', driver, '--id', '1', '--peers', `1=127.0.0.1:${peerPort}/127.0.0.1:${servicePort}`, '--data-dir', join(dir, 'data'), '--http-listen', 'off', '--auth-token-file', tokenFile],
        });
        const ok = await children.run(['get-ts', '--endpoints', server.endpoint, '--token-file', tokenFile, '--timeout', '20s']);
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.stdout.trim()).toMatch(/^\d+$/);
        const refused = await children.run(['get-ts', '--endpoints', server.endpoint, '--timeout', '5s']);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toMatch(/UNAUTHENTICATED/);
      },
      TEST_TIMEOUT_MS,
    );
  }

  it(
    'a server without a token accepts a client that sends one',
    async () => {
      const { dir, remove } = await makeTempDir('tsoracle-token-cli-');
      cleanups.push(remove);
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, `${TOKEN}\n`);
      const server = await children.serve({ dataDir: join(dir, 'data') });
      const ok = await children.run(['get-ts', '--endpoints', server.endpoint, '--token-file', tokenFile]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout.trim()).toMatch(/^\d+$/);
    },
    TEST_TIMEOUT_MS,
  );
});
