// `sim run --html` in a real browser: the CLI (a child process) writes the page of a run with a
// planted bug; headless Chromium loads it from disk with the network off, runs its script and
// dumps the DOM, which must hold a lane per node and client and the violation with its
// explanation; a screenshot is kept in the test's temp folder. Without Chromium (.ci/run
// installs Debian's `chromium`) the test says it is skipped and why.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { CLI_PATH } from './test-support.js';

function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return null;
}

const chromium = findChromium();
const BROWSER_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--proxy-server=127.0.0.1:9', '--virtual-time-budget=5000'];

describe.skipIf(chromium === null)(`sim run --html in headless Chromium${chromium === null ? ' (skipped: no chromium on PATH; .ci/run installs Debian\'s chromium)' : ''}`, () => {
  it('draws a lane per node and client and marks the violation, with nothing fetched', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-sim-html-');
    void remove; // the screenshot stays for a person to look at
    const page = join(dir, 'run.html');
    const run = spawnSync(process.execPath, [CLI_PATH, 'sim', 'run', '--seed', '3', '--plant', 'serveBeforePersist', '--html', page], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1); // the planted bug is found
    expect(run.stdout).toContain(`page: ${page}`);
    const dom = execFileSync(chromium as string, [...BROWSER_FLAGS, '--dump-dom', `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
    expect(dom).toContain('data-rendered="true"'); // the page's script ran to its end
    for (const lane of ['world', 'tso', 'c1']) expect(dom).toContain(`data-lane="${lane}"`);
    expect(dom).toMatch(/class="violation"><b>ts_served_not_durable at [\d.]+ ms: <\/b>A timestamp was served above the high-water/);
    const shot = join(dir, 'run.png');
    spawnSync(chromium as string, [...BROWSER_FLAGS, '--window-size=1400,900', `--screenshot=${shot}`, `file://${page}`], { timeout: 60_000 });
    expect(existsSync(shot) && readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});
