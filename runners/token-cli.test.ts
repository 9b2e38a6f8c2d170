// The native port's token through the real CLI, as child processes: `serve file
// --auth-token-file F` answers `get-ts --token-file F`, refuses a missing or wrong token with
// UNAUTHENTICATED (exit code non-zero, the server still serving), and never prints the token on
// its stderr, its stdout or its /metrics; a server without a token accepts a client that sends
// one (the field is ignored). Child processes because the CLI's exit and output are the product
// here (a test in the runner's own process cannot see how the process ends).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { ChildTracker } from './test-support.js';

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
