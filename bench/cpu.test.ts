// The bench's CPU readings (bench/cpu.ts): a process's CPU grows with work done, a process that
// is gone reads as null, and CPU per call is the difference over the calls.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuUsPerCall, ownCpuMs, processCpuMs } from './cpu.js';

function burnCpu(ms: number): void {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
}

describe('processCpuMs', () => {
  it('reads this process and grows once it has burnt CPU', () => {
    if (process.platform !== 'linux') return;
    const before = processCpuMs(process.pid);
    expect(before).not.toBeNull();
    burnCpu(60);
    const after = processCpuMs(process.pid) as number;
    // Ticks of 10 ms: 60 ms of spinning is at least a few of them.
    expect(after).toBeGreaterThan(before as number);
  });

  it('is null for a process that is gone, and for no pid', () => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(processCpuMs(child.pid)).toBeNull();
    expect(processCpuMs(undefined)).toBeNull();
  });
});

describe('cpuUsPerCall', () => {
  it('divides the CPU of the window by the calls, in µs', () => {
    expect(cpuUsPerCall(100, 130, 1_000)).toBe(30);
  });

  it('is null when a reading is missing or no call completed', () => {
    expect(cpuUsPerCall(null, 130, 10)).toBeNull();
    expect(cpuUsPerCall(100, null, 10)).toBeNull();
    expect(cpuUsPerCall(100, 130, 0)).toBeNull();
  });

  it('ownCpuMs moves forward with work', () => {
    const before = ownCpuMs();
    burnCpu(5);
    expect(ownCpuMs()).toBeGreaterThan(before);
  });
});
