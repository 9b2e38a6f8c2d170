// CPU time of a process, so the bench can say what each call costs in CPU on both sides of the
// wire: on a machine shared with other work, calls/s moves with everyone else's load, while CPU
// per call moves much less (it still grows a little under contention: cache misses, context
// switches). Linux only (`/proc/PID/stat`); elsewhere, or for a process that is gone, null.
//
// Invariant: a figure is milliseconds of user + system CPU since the process started, read in
// the kernel's clock ticks (`USER_HZ`, 100 on every Linux this runs on), so a difference of two
// readings is exact to 10 ms: a window must hold much more CPU than that to mean anything.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/PID/stat` (USER_HZ, fixed at 100 by the Linux ABI on x86 and arm). */
const USER_HZ = 100;

/** User + system CPU ms of process `pid` so far, or null when it cannot be read. */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utimeTicks = Number(fields[11]);
  const stimeTicks = Number(fields[12]);
  if (!Number.isFinite(utimeTicks) || !Number.isFinite(stimeTicks)) return null;
  return ((utimeTicks + stimeTicks) * 1_000) / USER_HZ;
}

/** This process's user + system CPU ms (exact to the microsecond). */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1_000;
}

/** µs of CPU per call over a window, or null when either reading is missing or nothing was called. */
export function cpuUsPerCall(beforeMs: number | null, afterMs: number | null, calls: number): number | null {
  if (beforeMs === null || afterMs === null || calls <= 0) return null;
  return ((afterMs - beforeMs) * 1_000) / calls;
}
