// The command surface: `tsoracle fuzz` options, exit codes, replay, the registry, the hang
// watchdog's heartbeat, and (when the compiled fuzzer is present, as under `npm test`) the
// worker-thread watchdog stopping a decoder stuck in an endless loop.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDuration, runFuzzCommand } from './cli.js';
import { createHeartbeatBuffer, HeartbeatReader, HeartbeatWriter } from './heartbeat.js';
import { listTargetNames, loadTarget } from './registry.js';
import { corpusDir, readInputs, repoRoot } from './store.js';
import { decodeHighWaterRecord } from '../core/records/high-water.js';

const scratch = mkdtempSync(join(tmpdir(), 'tsoracle-fuzz-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function capture(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

describe('parseDuration', () => {
  it('reads ms, s, m, h and bare seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('2')).toBe(2_000);
    expect(parseDuration('1.5s')).toBe(1_500);
  });
  it('refuses what is not a positive duration', () => {
    for (const text of ['', 's', '-1s', '0s', '10 parsecs', '1e9h']) expect(parseDuration(text), text).toBeNull();
  });
});

describe('runFuzzCommand', () => {
  it('is a usage error (2) without a target, with an unknown one, or with no time', async () => {
    const out = capture();
    expect(await runFuzzCommand({ timeMs: 1_000, log: out.log })).toBe(2);
    expect(await runFuzzCommand({ target: 'no-such-target', timeMs: 1_000, log: out.log })).toBe(2);
    expect(await runFuzzCommand({ target: 'frame', timeMs: 0, log: out.log })).toBe(2);
    expect(out.lines.join('\n')).toContain('frame');
  });

  it('fuzzes one target and prints executions, rate, corpus and findings (0: nothing found)', async () => {
    const out = capture();
    const code = await runFuzzCommand({ target: 'frame', timeMs: 60_000, execsMax: 1_500, seed: 3, coverage: false, isolate: false, log: out.log });
    const text = out.lines.join('\n');
    expect(code, text).toBe(0);
    expect(text).toMatch(/frame: \d+ execs in .* \(\d+\/s\), corpus \d+→\d+, coverage features 0, findings 0/);
    expect(text).toMatch(/target\s+execs\s+execs\/s\s+corpus\s+features\s+findings/);
    expect(text).toContain('seed 3 (rerun with --seed 3)');
  });

  it('replays a corpus file, inferring the target from its folder', async () => {
    // The corpus holds near-misses too: replay a valid record.
    const file = readInputs(corpusDir('high-water-record')).find((candidate) => {
      try {
        decodeHighWaterRecord(candidate.bytes);
        return true;
      } catch {
        return false;
      }
    });
    expect(file).toBeDefined();
    const out = capture();
    expect(await runFuzzCommand({ replay: file?.path ?? '', timeMs: 1, log: out.log })).toBe(0);
    expect(out.lines.join('\n')).toMatch(/^replay high-water-record fuzz\/corpus\/high-water-record\/[0-9a-f]{16}\.bin \(17 bytes\): decoded, every property holds$/);
  });

  it('refuses to replay a file whose target it cannot tell, or that does not exist', async () => {
    const out = capture();
    expect(await runFuzzCommand({ replay: join(scratch, 'x.bin'), timeMs: 1, log: out.log })).toBe(2);
    expect(await runFuzzCommand({ replay: join(scratch, 'missing.bin'), target: 'frame', timeMs: 1, log: out.log })).toBe(2);
  });
});

describe('registry', () => {
  it('lists one target per file, sorted, each named after its file', async () => {
    const names = listTargetNames();
    expect(names).toEqual([...names].sort());
    for (const name of names) expect((await loadTarget(name)).name).toBe(name);
    await expect(loadTarget('nope')).rejects.toThrow(/unknown target "nope"/);
  });
});

describe('heartbeat', () => {
  it('carries the latest input and a counter from the worker to the watchdog', () => {
    const buffer = createHeartbeatBuffer();
    const writer = new HeartbeatWriter(buffer);
    const reader = new HeartbeatReader(buffer);
    expect(reader.started).toBe(0);
    writer.beat(Uint8Array.of(1, 2, 3));
    writer.beat(Uint8Array.of(4, 5));
    expect(reader.started).toBe(2);
    expect(reader.currentInput()).toEqual(Uint8Array.of(4, 5));
  });
});

const compiledCli = join(repoRoot(), 'dist', 'fuzz', 'cli.js');
const compiledPlanted = join(repoRoot(), 'dist', 'fuzz', 'planted', 'tsod-like.js');

describe('hang watchdog (compiled fuzzer in dist/, built by npm test)', () => {
  it.skipIf(!existsSync(compiledCli) || !existsSync(compiledPlanted))('stops a decoder stuck in an endless loop and saves the input as a hang', async () => {
    const { runIsolated } = (await import(pathToFileURL(compiledCli).href)) as typeof import('./cli.js');
    const out = capture();
    const findingsDir = join(scratch, 'hang');
    const report = await runIsolated(
      'planted-zero-length-spin',
      { seed: 3, timeMs: 60_000, coverage: false, findingsDir },
      { hangMs: 1_500, log: out.log, targetModule: pathToFileURL(compiledPlanted).href, exportName: 'createSpinningTarget' },
    );
    expect(report.findings.map((f) => f.kind)).toContain('hang');
    const hang = report.findings.find((f) => f.kind === 'hang');
    expect(hang?.path).toMatch(/\.bin$/);
    expect(existsSync(hang?.path ?? '')).toBe(true);
    expect(out.lines.join('\n')).toMatch(/FINDING planted-zero-length-spin hang/);
  });
});
