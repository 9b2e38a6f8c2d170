// The simulated disk of a node: the `Disk` port over an in-memory file system with a page
// cache, a journal of directory operations and seeded faults. State lives in `SimDisk` and
// survives restarts; each incarnation talks to it through its own port (`portFor`), so a dead
// incarnation's operations never complete and never take effect.
//
// Model (all in memory, per file an "inode" so renames move data and locks follow the file):
//   - Every operation completes after a latency drawn from the disk's stream (data, sync and
//     metadata classes), as an event on the scheduler owned by the incarnation; its effect is
//     applied at completion, against the state at that instant. Concurrent operations may
//     therefore complete in another order than issued, as on libuv's thread pool.
//   - Contents: each inode has its current (page-cache) contents and its durable contents, plus
//     the list of writes since its last successful fsync. `fsync(path)` makes the current
//     contents durable. A crash ("power loss", the default of `World.crash`) decides per file
//     with unsynced writes: lost entirely (the default), torn (fault `crashTorn`: every 512-byte
//     sector that differs lands or not, independently, and the size is the old or the new one;
//     sectors of a grown file that did not land read as zeros), partly landed (fault
//     `crashPartial`: a prefix of the unsynced writes, in order, lands), or, for a file an
//     append grew, its tail lost (fault `crashTailLost`: the new size with the new sectors from
//     some point on zeros, or the size cut at a sector boundary inside the append).
//   - Directory entries (create, rename, remove, mkdir) are journaled in order and durable once
//     an `fsyncDir` of a directory they touch returns; fsyncDir commits the journal up to the
//     last entry touching that directory (a journal commits in order). At a crash the unsynced
//     entries land by default; fault `crashDirOpsVanish` cuts the journal at a random point and
//     drops the rest, so a creation or rename without fsyncDir may vanish (a prefix always
//     survives, never an inconsistent subset).
//   - `openAppend` handles follow the inode they opened: `append` and `sync` through a handle
//     are `append` and `fsync` of that inode, with the same latency classes, faults and crash
//     outcomes, and are traced as `disk.append` and `disk.fsync` (with `handle: true`), so
//     nemeses and checkers keyed on those kinds see them. Using a handle whose inode no name
//     reaches any more, after close, or while another call on it is pending is a caller bug
//     (asserted): the port leaves those undefined.
//   - `fsync` failure (fault `fsyncFail`, only when the file is dirty): DISK_IO, and the file's
//     dirty pages are dropped, as on Linux: its contents revert to the durable contents and a
//     retried fsync succeeds with nothing to write. A failed fsyncDir leaves the journal as is.
//   - `read` may return one sector of garbage (fault `readCorrupt`; transient, the stored data
//     is intact). Write-family operations may fail with DISK_FULL (fault `writeFull`), and do
//     when `capacityBytes` would be exceeded. `latencySpike` adds a drawn extra latency.
//   - `truncate` may fail with DISK_IO before it changes anything (fault `truncateFail`): the
//     call every driver makes to cut a torn log tail at open, so the refusal that follows is a
//     path the swarm takes.
//   - Damage at rest is drawn only where a later durable write vouches for the bytes (the
//     fault model's limit, docs/simulator.md "Damage at rest"): per inode the disk
//     keeps the synced writes with non-zero data (`vouch`), and the bytes below the start of the
//     newest of them are "vouched": a later record was durably written after them, so damage
//     there is corruption a reader can tell from a torn tail. The newest record of a log, a file
//     only ever rewritten in place or whole, and zeros written ahead are never vouched, so never
//     damaged: one copy cannot tell damage there from a write that never completed. A write or
//     truncate below a vouching write un-vouches conservatively (it drops every vouching write
//     that ends past it, at a sync and for a crash's pending writes alike).
//   - Bit rot at rest (fault `bitRot`): at a power loss, once every file's crash outcome is
//     settled and nobody is writing, each durable file with vouched bytes may get one bit of
//     them flipped (the gate is drawn per such file, in inode order; trace
//     `fault.disk.bit_rot`). The flip is in the durable contents and so in what every later
//     read returns, until the file is rewritten.
//   - Misdirected writes (fault `misdirectedWrite`): a write landed at another offset of the
//     same file than asked (firmware bugs do this). The page cache holds what was asked, so the
//     damage shows at the next power loss: each file whose recent writes (the last
//     MISDIRECT_CANDIDATES_MAX since the previous power loss, recorded while the gate is armed)
//     include one now wholly vouched and still durable as written may get one of them
//     misdirected (the gate is drawn per such file, in inode order): its asked range gets back
//     the bytes it held before the write (zeros where the file grew) and its data overwrites
//     another vouched range (trace `fault.disk.misdirected_write`).
//   - `lock` is an exclusive lock on the file (inode) within the disk, like flock: a second
//     lock of the same file fails with DISK_LOCKED even from the same process; a crash or exit
//     of the holder releases it.
//   - Paths are normalized lexically ('a//b/./c' is 'a/b/c'); '.' and '/' always exist.
//     Writing into a missing directory fails with DISK_NOT_FOUND, like the real file system.
//
// Each fault family has a rate and a budget (per disk); all are off by default.

import { assert } from '../core/assert.js';
import { pooledCopy } from '../core/codec/pooled-bytes.js';
import { type AppendHandle, type AppendOptions, AppendPlacement, type Disk, DiskError, type DiskErrorCode, type DiskLock } from '../drivers/ports.js';
import { type FaultGate, type FaultRule, makeGates } from './faults.js';
import {
  DISK_DIR_OPS_PENDING_MAX,
  DISK_FILE_BYTES_MAX,
  DISK_FILE_PENDING_WRITES_MAX,
  DISK_FILES_MAX,
  DISK_SECTOR_BYTES,
} from './limits.js';
import { type Incarnation, never } from './process.js';
import type { Rng } from './random.js';
import type { Scheduler } from './scheduler.js';
import type { Trace, TraceDetails } from './trace.js';

export interface LatencyRangeUs {
  readonly minUs: number;
  readonly maxUs: number;
}

export interface DiskLatency {
  /** read, write, writeFile, append (a handle's too), truncate. */
  readonly data?: LatencyRangeUs;
  /** fsync, fsyncDir, a handle's sync. */
  readonly sync?: LatencyRangeUs;
  /** rename, mkdirp, remove, list, size, lock, release, openAppend, a handle's close. */
  readonly meta?: LatencyRangeUs;
}

export interface LatencySpikeRule extends FaultRule {
  readonly extraUs: LatencyRangeUs;
}

export interface DiskFaults {
  readonly crashTorn?: FaultRule;
  readonly crashPartial?: FaultRule;
  readonly crashDirOpsVanish?: FaultRule;
  /** At a power loss, a file an append grew keeps the new size but only a prefix of the new sectors (the rest: zeros), or its size lands at a sector boundary inside the append. */
  readonly crashTailLost?: FaultRule;
  readonly fsyncFail?: FaultRule;
  readonly readCorrupt?: FaultRule;
  readonly writeFull?: FaultRule;
  readonly latencySpike?: LatencySpikeRule;
  /** At a power loss, one vouched bit of a durable file flips (drawn per file with vouched bytes). */
  readonly bitRot?: FaultRule;
  /** At a power loss, a recent vouched write shows at another offset of its file than asked (drawn per file with one). */
  readonly misdirectedWrite?: FaultRule;
  /** A truncate fails with DISK_IO and changes nothing. */
  readonly truncateFail?: FaultRule;
}

export interface DiskOptions {
  readonly faults?: DiskFaults;
  readonly latency?: DiskLatency;
  /** Total bytes of file contents the disk holds; writes beyond fail with DISK_FULL. */
  readonly capacityBytes?: number;
}

/** Measured on this project's VM (tso-anchors A.11): pwrite ~0.2 ms, fsync 0.2–3 ms. */
export const DISK_LATENCY_DEFAULT: Required<DiskLatency> = {
  data: { minUs: 20, maxUs: 300 },
  sync: { minUs: 200, maxUs: 3_000 },
  meta: { minUs: 20, maxUs: 300 },
};

const FAULT_FAMILIES = [
  'crashTorn',
  'crashPartial',
  'crashDirOpsVanish',
  'fsyncFail',
  'crashTailLost',
  'readCorrupt',
  'writeFull',
  'latencySpike',
  'bitRot',
  'misdirectedWrite',
  'truncateFail',
] as const;
type DiskFaultFamily = (typeof FAULT_FAMILIES)[number];

/** Files and directories of a disk, sorted: what `inspect` and `crash` return. */
export interface DiskImage {
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly dirs: readonly string[];
}

export interface DiskInspection {
  /** What is guaranteed durable: fsync'd contents under fsyncDir'd names. */
  readonly durable: DiskImage;
  /** What a reader sees now (the page cache view). */
  readonly volatile: DiskImage;
  /** Paths with writes not yet fsync'd. */
  readonly dirtyFiles: readonly string[];
  /** Directory operations not yet made durable by fsyncDir. */
  readonly pendingDirOps: number;
}

/** `zeros`: set when the write is known to be all zero bytes (checked once, where it was made). */
type PendingWrite = { readonly kind: 'write'; readonly offset: number; readonly data: Uint8Array; readonly zeros?: boolean } | { readonly kind: 'truncate'; readonly length: number };

type DirOp =
  | { readonly kind: 'create'; readonly path: string; readonly inode: number }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string; readonly inode: number }
  | { readonly kind: 'remove'; readonly path: string }
  | { readonly kind: 'mkdir'; readonly path: string }
  | { readonly kind: 'rmdir'; readonly path: string };

interface Inode {
  readonly id: number;
  /** Current contents: `data[0, length)`; `data` may be longer (growth room). */
  data: Uint8Array;
  length: number;
  /** Durable contents (exact length). */
  durable: Uint8Array;
  /** Bumped whenever `durable` changes, so a checker can tell a file changed without comparing bytes. */
  durableGeneration: number;
  /** Writes since the last successful fsync, in order. */
  pending: PendingWrite[];
  /**
   * Synced writes with non-zero data that nothing since has cut or overwritten, ascending by
   * offset (at most VOUCH_WRITES_MAX; dropping old ones only makes fewer bytes vouched). The
   * bytes below the start of the last one are vouched by it (see the header).
   */
  vouch: Array<{ readonly start: number; readonly end: number }>;
  /** Recent writes a power loss may turn into a misdirected one (fault `misdirectedWrite`). */
  misdirectCandidates: MisdirectCandidate[];
}

/** A write as asked, with the bytes its range held before it. */
interface MisdirectCandidate {
  readonly offset: number;
  readonly data: Uint8Array;
  readonly before: Uint8Array;
}

/** Vouching writes kept per inode (older ones only vouch for bytes a newer one vouches for too). */
const VOUCH_WRITES_MAX = 64;
/**
 * A file's first room (then doubled): a log rewritten at each compaction starts small again,
 * and growing it from a few bytes took a new array at every doubling (3,000 in 10 three-node seeds).
 */
const FILE_ROOM_BYTES_MIN = 4096;
/** Recent writes per inode a power loss may misdirect. */
const MISDIRECT_CANDIDATES_MAX = 16;

/** Bytes of `inode` a later durable write vouches for: `[0, vouchedBytes)`. */
function vouchedBytes(inode: Inode): number {
  const last = inode.vouch[inode.vouch.length - 1];
  return last === undefined ? 0 : Math.min(last.start, inode.durable.length);
}

/** Drops the vouching writes that end past `offset` (the bytes there were cut or rewritten). */
function unvouchFrom(inode: Inode, offset: number): void {
  while (inode.vouch.length > 0 && (inode.vouch[inode.vouch.length - 1] as { end: number }).end > offset) inode.vouch.pop();
}

const diskEventLabels = new Map<string, string>();

/**
 * `disk.<kind>`, made once per kind: the same string each time, so the trace hash finds its
 * digest in its cache instead of hashing a new string (the operation kinds are a handful).
 */
function diskEventLabel(kind: string): string {
  let label = diskEventLabels.get(kind);
  if (label === undefined) {
    label = `disk.${kind}`;
    diskEventLabels.set(kind, label);
  }
  return label;
}

/** @internal Whether every byte of `data` is zero (exported for its test). */
export function allZero(data: Uint8Array): boolean {
  // A log's zero fill is a megabyte: its aligned middle is read four bytes at a time (a word
  // view costs more than it saves on a short write).
  if (data.length < 256) {
    for (let k = 0; k < data.length; k++) if (data[k] !== 0) return false;
    return true;
  }
  let i = 0;
  while (i < data.length && (data.byteOffset + i) % 4 !== 0) if (data[i++] !== 0) return false;
  const words = Math.floor((data.length - i) / 4);
  if (words > 0) {
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) if (view[w] !== 0) return false;
    i += words * 4;
  }
  for (; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface HeldLock {
  readonly inode: number;
  readonly holder: Incarnation;
}

type LatencyClass = 'data' | 'sync' | 'meta';

/** Normalizes a path lexically: no empty or '.' segments, '..' resolved, no trailing slash. */
export function normalizePath(path: string): string {
  assert(typeof path === 'string' && path.length > 0, 'disk_path_nonempty');
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!absolute) parts.push('..');
      continue;
    }
    parts.push(segment);
  }
  if (absolute) return `/${parts.join('/')}`;
  return parts.length === 0 ? '.' : parts.join('/');
}

/** The directory holding `path` (normalized): 'a/b' → 'a', 'a' → '.', '/a' → '/'. */
export function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return path.slice(0, i);
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function isRoot(path: string): boolean {
  return path === '.' || path === '/';
}

function applyWrite(base: Uint8Array, op: PendingWrite): Uint8Array {
  if (op.kind === 'truncate') {
    if (op.length <= base.length) return base.slice(0, op.length);
    const grown = new Uint8Array(op.length);
    grown.set(base);
    return grown;
  }
  const end = op.offset + op.data.length;
  const out = new Uint8Array(Math.max(base.length, end));
  out.set(base);
  out.set(op.data, op.offset);
  return out;
}

function failure(code: DiskErrorCode, message: string): DiskError {
  return new DiskError(code, message);
}

export class SimDisk {
  private readonly inodes = new Map<number, Inode>();
  /** Room behind a growing file's `durable` (durableRoomFor), dropped with its inode. */
  private readonly durableRooms = new WeakMap<Inode, { bytes: Uint8Array; view: Uint8Array }>();
  private volatileNames = new Map<string, number>();
  private volatileDirs = new Set<string>();
  private durableNames = new Map<string, number>();
  private durableDirs = new Set<string>();
  private journal: DirOp[] = [];
  private readonly locks = new Map<number, HeldLock>();
  private inodeNext = 1;
  private usedBytes = 0;
  private readonly gates: Record<DiskFaultFamily, FaultGate>;
  private readonly latencyRng: Rng;
  private readonly latency: Required<DiskLatency>;
  private capacityBytes: number | undefined;
  private spikeExtra: LatencyRangeUs | undefined;
  /** Operations completed (all incarnations). */
  opsCompleted = 0;

  constructor(
    readonly name: string,
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    rng: Rng,
    options: DiskOptions = {},
  ) {
    this.latencyRng = rng.fork('latency');
    this.latency = { ...DISK_LATENCY_DEFAULT, ...(options.latency ?? {}) };
    for (const range of Object.values(this.latency)) {
      assert(Number.isSafeInteger(range.minUs) && range.minUs >= 0 && range.maxUs >= range.minUs, 'disk_latency_range_valid');
    }
    this.gates = makeGates(FAULT_FAMILIES, options.faults ?? {}, rng);
    this.spikeExtra = options.faults?.latencySpike?.extraUs;
    this.capacityBytes = options.capacityBytes;
  }

  /** Changes fault rules during a run (e.g. all off for a liveness phase); omitted families turn off. */
  setFaults(faults: DiskFaults): void {
    for (const family of FAULT_FAMILIES) this.gates[family].setRule(faults[family]);
    this.spikeExtra = faults.latencySpike?.extraUs;
  }

  setCapacityBytes(capacityBytes: number | undefined): void {
    this.capacityBytes = capacityBytes;
  }

  /** How many times each fault family fired. */
  faultCounts(): Record<DiskFaultFamily, number> {
    const out = {} as Record<DiskFaultFamily, number>;
    for (const family of FAULT_FAMILIES) out[family] = this.gates[family].fired;
    return out;
  }

  /** Whether bit rot or a misdirected write damaged this disk's files (the checkers' ground truth is gone). */
  get damaged(): boolean {
    return this.gates.bitRot.fired > 0 || this.gates.misdirectedWrite.fired > 0;
  }

  /** Bytes of file contents held now. */
  get bytesUsed(): number {
    return this.usedBytes;
  }

  // --- set-up and inspection -----------------------------------------------------------------

  /** Puts files on the disk durably (directories created as needed), as if written long ago. */
  preload(files: Readonly<Record<string, Uint8Array>>): void {
    for (const [rawPath, data] of Object.entries(files)) {
      const path = normalizePath(rawPath);
      for (let dir = dirnameOf(path); !isRoot(dir); dir = dirnameOf(dir)) {
        this.volatileDirs.add(dir);
        this.durableDirs.add(dir);
      }
      const existing = this.volatileNames.get(path);
      if (existing !== undefined) this.dropName(path);
      const inode = this.newInode();
      inode.data = data.slice();
      inode.length = data.length;
      inode.durable = data.slice();
      this.usedBytes += data.length;
      this.volatileNames.set(path, inode.id);
      this.durableNames.set(path, inode.id);
    }
  }

  /**
   * A stamp of the durable file at `path` (the inode its durable name reaches and how often its
   * durable contents changed), or null when no durable name is `path`: equal stamps, equal
   * contents. Checkers use it to skip re-reading files that did not change.
   */
  durableStamp(path: string): string | null {
    const id = this.durableNames.get(normalizePath(path));
    if (id === undefined) return null;
    return `${id}:${(this.inodes.get(id) as Inode).durableGeneration}`;
  }

  /** A copy of the durable contents of `path`, or null when no durable name is `path`. */
  durableFile(path: string): Uint8Array | null {
    const id = this.durableNames.get(normalizePath(path));
    return id === undefined ? null : (this.inodes.get(id) as Inode).durable.slice();
  }

  /**
   * The durable contents of `path` themselves, not a copy (null when no durable name is `path`),
   * for a checker that re-reads a file at every change: read only, and only until the stamp
   * (`durableStamp`) changes — a sync may update the bytes in place, and always changes the stamp.
   */
  durableFileView(path: string): Uint8Array | null {
    const id = this.durableNames.get(normalizePath(path));
    if (id === undefined) return null;
    const inode = this.inodes.get(id) as Inode;
    return inode.durable.subarray(0, inode.durable.length);
  }

  /** The durable and the current view of the disk, for checkers. */
  inspect(): DiskInspection {
    const dirty: string[] = [];
    for (const [path, id] of this.volatileNames) if ((this.inodes.get(id) as Inode).pending.length > 0) dirty.push(path);
    return {
      durable: this.image(this.durableNames, this.durableDirs, (inode) => inode.durable.slice()),
      volatile: this.image(this.volatileNames, this.volatileDirs, (inode) => inode.data.slice(0, inode.length)),
      dirtyFiles: dirty.sort(),
      pendingDirOps: this.journal.length,
    };
  }

  private image(names: Map<string, number>, dirs: Set<string>, contents: (inode: Inode) => Uint8Array): DiskImage {
    const files = new Map<string, Uint8Array>();
    for (const path of [...names.keys()].sort()) files.set(path, contents(this.inodes.get(names.get(path) as number) as Inode));
    return { files, dirs: [...dirs].sort() };
  }

  // --- crash ---------------------------------------------------------------------------------

  /**
   * Applies a crash. With `powerLoss` (the default) the page cache is lost: each file with
   * unsynced writes gets its crash outcome and unsynced directory entries land or (fault)
   * partly vanish. Without it (a process kill), the kernel keeps the cache and only the
   * holder's locks go. Either way the locks of `holder` are released. Returns the durable image.
   */
  crash(holder: Incarnation | null, powerLoss = true): DiskImage {
    for (const [inode, lock] of this.locks) if (powerLoss || holder === null || lock.holder === holder) this.locks.delete(inode);
    if (!powerLoss) return this.durableImage();

    // Contents first (per inode, in id order: deterministic), then names.
    const ids = [...this.inodes.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const inode = this.inodes.get(id) as Inode;
      if (inode.pending.length === 0) continue;
      const outcome = this.crashContents(inode);
      // Whatever of the pending writes landed, none vouches (it was never synced), and the
      // bytes each touched may have changed.
      for (const op of inode.pending) unvouchFrom(inode, op.kind === 'write' ? op.offset : op.length);
      inode.durable = outcome;
      inode.durableGeneration += 1;
      inode.pending = [];
    }
    let survive = this.journal.length;
    if (this.journal.length > 0 && this.gates.crashDirOpsVanish.fire()) {
      survive = this.gates.crashDirOpsVanish.detailRng.int(0, this.journal.length - 1);
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.dir_ops_vanish', {
        kept: survive,
        vanished: this.journal.slice(survive).map((op) => (op.kind === 'rename' ? `rename ${op.from} ${op.to}` : `${op.kind} ${op.path}`)),
      });
    }
    this.commitJournal(survive);
    this.journal = [];
    for (const id of ids) {
      const inode = this.inodes.get(id) as Inode;
      unvouchFrom(inode, inode.durable.length);
    }
    this.misdirectAtRest();
    this.rotAtRest();

    // The volatile view restarts from the durable one; unreachable inodes are gone.
    this.volatileNames = new Map(this.durableNames);
    this.volatileDirs = new Set(this.durableDirs);
    const live = new Set(this.durableNames.values());
    this.usedBytes = 0;
    for (const id of ids) {
      const inode = this.inodes.get(id) as Inode;
      if (!live.has(id)) {
        this.inodes.delete(id);
        continue;
      }
      inode.data = inode.durable.slice();
      inode.length = inode.durable.length;
      this.usedBytes += inode.length;
    }
    return this.durableImage();
  }

  /**
   * Misdirected writes show at a power loss (fault `misdirectedWrite`): one recent write of a
   * file, wholly vouched and still durable as written, turns out to have landed elsewhere in
   * the vouched bytes. Every inode's candidates are dropped (the page cache is gone).
   */
  private misdirectAtRest(): void {
    for (const [path, id] of [...this.durableNames].sort((a, b) => a[1] - b[1])) {
      const inode = this.inodes.get(id) as Inode;
      const vouched = vouchedBytes(inode);
      const candidates = inode.misdirectCandidates.filter(
        (c) => c.offset + c.data.length <= vouched && c.data.length < vouched && sameBytes(inode.durable.subarray(c.offset, c.offset + c.data.length), c.data),
      );
      if (candidates.length === 0 || !this.gates.misdirectedWrite.fire()) continue;
      const rng = this.gates.misdirectedWrite.detailRng;
      const write = rng.pick(candidates);
      const room = vouched - write.data.length; // landing offsets 0..room, all but the asked one
      const drawn = rng.int(0, room - 1);
      const landedAt = drawn >= write.offset ? drawn + 1 : drawn;
      assert(landedAt + write.data.length <= vouched, 'disk_damage_only_vouched_bytes', () => `${path}: misdirected to ${landedAt}+${write.data.length}, vouched ${vouched}`);
      inode.durable.set(write.before, write.offset);
      inode.durable.set(write.data, landedAt);
      inode.durableGeneration += 1;
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.misdirected_write', { path, asked: write.offset, landedAt, bytes: write.data.length });
    }
    for (const inode of this.inodes.values()) inode.misdirectCandidates = [];
  }

  /** Bit rot at rest: one vouched bit of a durable file flips while nobody writes it (fault `bitRot`). */
  private rotAtRest(): void {
    for (const [path, id] of [...this.durableNames].sort((a, b) => a[1] - b[1])) {
      const inode = this.inodes.get(id) as Inode;
      const vouched = vouchedBytes(inode);
      if (vouched === 0 || !this.gates.bitRot.fire()) continue;
      const rng = this.gates.bitRot.detailRng;
      const offset = rng.int(0, vouched - 1);
      const bit = rng.int(0, 7);
      inode.durable[offset] = (inode.durable[offset] as number) ^ (1 << bit);
      inode.durableGeneration += 1;
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.bit_rot', { path, offset, bit });
    }
  }

  private durableImage(): DiskImage {
    return this.image(this.durableNames, this.durableDirs, (inode) => inode.durable.slice());
  }

  private crashContents(inode: Inode): Uint8Array {
    const label = this.pathOfInode(inode.id) ?? `inode:${inode.id}`;
    if (this.gates.crashTorn.fire()) {
      const rng = this.gates.crashTorn.detailRng;
      const old = inode.durable;
      let full = old;
      for (const op of inode.pending) full = applyWrite(full, op);
      const length = old.length === full.length || rng.chance(1, 2) ? full.length : old.length;
      const out = new Uint8Array(length);
      const landed: number[] = [];
      for (let start = 0; start < length; start += DISK_SECTOR_BYTES) {
        const end = Math.min(length, start + DISK_SECTOR_BYTES);
        let differs = false;
        for (let i = start; i < end; i++) {
          if ((old[i] ?? 0) !== (full[i] ?? 0)) {
            differs = true;
            break;
          }
        }
        const takeNew = differs && rng.chance(1, 2);
        if (takeNew) landed.push(start / DISK_SECTOR_BYTES);
        const source = takeNew ? full : old;
        out.set(source.subarray(Math.min(start, source.length), Math.min(end, source.length)), start);
      }
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.crash_torn', { path: label, length, landedSectors: landed });
      return out;
    }
    if (this.gates.crashPartial.fire()) {
      const keep = this.gates.crashPartial.detailRng.int(0, inode.pending.length);
      let out = inode.durable;
      for (const op of inode.pending.slice(0, keep)) out = applyWrite(out, op);
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.crash_partial', { path: label, landed: keep, of: inode.pending.length });
      return out.slice();
    }
    const old = inode.durable;
    let full = old;
    for (const op of inode.pending) full = applyWrite(full, op);
    // Only a file an append grew (a journal, a WAL): the size metadata and the data's sectors
    // land separately, and the sectors land in order.
    if (full.length > old.length && this.gates.crashTailLost.fire()) return this.crashTailLost(label, old, full);
    return inode.durable;
  }

  /**
   * The tail of an append lost at a power loss, at sector granularity: the new sectors from a
   * point on never landed. Either the new size landed and those sectors read as zeros (the
   * "size before data" order of a metadata-journaling file system), or the size landed only
   * up to a sector boundary inside the append (a multi-sector write cut short). Every sector
   * holds either its old or its new contents, never a mix.
   */
  private crashTailLost(label: string, old: Uint8Array, full: Uint8Array): Uint8Array {
    const rng = this.gates.crashTailLost.detailRng;
    const boundaries: number[] = [];
    for (let at = (Math.floor(old.length / DISK_SECTOR_BYTES) + 1) * DISK_SECTOR_BYTES; at < full.length; at += DISK_SECTOR_BYTES) boundaries.push(at);
    if (boundaries.length > 0 && rng.chance(1, 2)) {
      const length = rng.pick(boundaries);
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.crash_tail_lost', { path: label, mode: 'size_cut', length, of: full.length });
      return full.slice(0, length);
    }
    // The first new sector (from the old end, which may be inside a sector) or any later one.
    const zeroFrom = rng.pick([old.length, ...boundaries]);
    const out = full.slice();
    out.fill(0, zeroFrom);
    this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.crash_tail_lost', { path: label, mode: 'sectors_zero', zeroFrom, length: full.length });
    return out;
  }

  private pathOfInode(id: number): string | undefined {
    for (const [path, inode] of this.volatileNames) if (inode === id) return path;
    return undefined;
  }

  // --- the port ------------------------------------------------------------------------------

  /** The Disk port for one incarnation. */
  portFor(owner: Incarnation): Disk {
    return new SimDiskPort(this, owner);
  }

  /** @internal Runs `effect` after a drawn latency, as an event owned by `owner`. */
  operate<T>(owner: Incarnation, kind: string, latencyClass: LatencyClass, details: TraceDetails, effect: () => T): Promise<T> {
    if (owner.dead) return never<T>();
    const delayMs = this.drawLatencyUs(latencyClass) / 1000;
    const label = diskEventLabel(kind);
    return new Promise<T>((resolve, reject) => {
      this.scheduler.after(
        delayMs,
        () => {
          this.opsCompleted++;
          let result: T;
          try {
            result = effect();
          } catch (error) {
            if (error instanceof DiskError) {
              this.trace.record(this.scheduler.nowMs, owner.label, label, { ...details, error: error.code });
              reject(error);
              return;
            }
            throw error;
          }
          this.trace.record(this.scheduler.nowMs, owner.label, label, details);
          resolve(result);
        },
        { owner, label },
      );
    });
  }

  private drawLatencyUs(latencyClass: LatencyClass): number {
    const range = this.latency[latencyClass];
    let us = this.latencyRng.int(range.minUs, range.maxUs);
    if (this.spikeExtra !== undefined && this.gates.latencySpike.fire()) {
      us += this.gates.latencySpike.detailRng.int(this.spikeExtra.minUs, this.spikeExtra.maxUs);
    }
    return us;
  }

  // --- effects (run at completion) -----------------------------------------------------------

  private newInode(): Inode {
    assert(this.inodes.size < DISK_FILES_MAX, 'disk_files_within_limit');
    const inode: Inode = { id: this.inodeNext++, data: new Uint8Array(0), length: 0, durable: new Uint8Array(0), durableGeneration: 0, pending: [], vouch: [], misdirectCandidates: [] };
    this.inodes.set(inode.id, inode);
    return inode;
  }

  private log(op: DirOp): void {
    assert(this.journal.length < DISK_DIR_OPS_PENDING_MAX, 'disk_dir_ops_pending_within_limit');
    this.journal.push(op);
  }

  private requireDir(dir: string, path: string): void {
    if (isRoot(dir) || this.volatileDirs.has(dir)) return;
    if (this.volatileNames.has(dir)) throw failure('DISK_IO', `not a directory: ${dir} (for ${path})`);
    throw failure('DISK_NOT_FOUND', `no such directory: ${dir} (for ${path})`);
  }

  private fileInode(path: string): Inode | undefined {
    const id = this.volatileNames.get(path);
    return id === undefined ? undefined : (this.inodes.get(id) as Inode);
  }

  /** The inode at `path`, created (and journaled) if missing. */
  private openForWrite(path: string): Inode {
    if (this.volatileDirs.has(path) || isRoot(path)) throw failure('DISK_IO', `is a directory: ${path}`);
    const existing = this.fileInode(path);
    if (existing !== undefined) return existing;
    this.requireDir(dirnameOf(path), path);
    const inode = this.newInode();
    this.volatileNames.set(path, inode.id);
    this.log({ kind: 'create', path, inode: inode.id });
    return inode;
  }

  private checkSpace(path: string, growthBytes: number): void {
    if (growthBytes > 0 && this.capacityBytes !== undefined && this.usedBytes + growthBytes > this.capacityBytes) {
      throw failure('DISK_FULL', `no space left for ${growthBytes} bytes (${path})`);
    }
    if (this.gates.writeFull.fire()) {
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.write_full', { path });
      throw failure('DISK_FULL', `no space left (injected) for ${path}`);
    }
  }

  private setLength(inode: Inode, length: number): void {
    assert(length <= DISK_FILE_BYTES_MAX, 'disk_file_bytes_within_limit', () => String(length));
    if (length > inode.data.length) {
      const grown = new Uint8Array(Math.min(DISK_FILE_BYTES_MAX, Math.max(length, inode.data.length * 2, FILE_ROOM_BYTES_MIN)));
      grown.set(inode.data.subarray(0, inode.length));
      inode.data = grown;
    } else if (length < inode.length) {
      inode.data.fill(0, length, inode.length); // growth room is kept zeroed
    }
    this.usedBytes += length - inode.length;
    inode.length = length;
  }

  private recordPending(inode: Inode, op: PendingWrite): void {
    assert(inode.pending.length < DISK_FILE_PENDING_WRITES_MAX, 'disk_file_pending_writes_within_limit');
    inode.pending.push(op);
  }

  effectRead(path: string): Uint8Array | null {
    if (this.volatileDirs.has(path) || isRoot(path)) throw failure('DISK_IO', `is a directory: ${path}`);
    const inode = this.fileInode(path);
    if (inode === undefined) return null;
    const out = inode.data.slice(0, inode.length);
    if (out.length > 0 && this.gates.readCorrupt.fire()) {
      const rng = this.gates.readCorrupt.detailRng;
      const sector = rng.int(0, Math.ceil(out.length / DISK_SECTOR_BYTES) - 1);
      const start = sector * DISK_SECTOR_BYTES;
      const end = Math.min(out.length, start + DISK_SECTOR_BYTES);
      const original = out.slice(start, end);
      out.set(rng.bytes(end - start), start);
      let same = true;
      for (let i = start; i < end && same; i++) same = out[i] === original[i - start];
      if (same) out[start] = (out[start] as number) ^ 0xff;
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.read_corrupt', { path, sector });
    }
    return out;
  }

  effectWrite(path: string, offset: number, data: Uint8Array): void {
    this.writeAt(this.openForWrite(path), path, offset, data);
  }

  /** Writes `data` at `offset` of `inode` (growing it if needed); volatile until a sync. */
  private writeAt(inode: Inode, path: string, offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    this.checkSpace(path, Math.max(0, end - inode.length));
    this.noteCandidate(inode, offset, data);
    const lengthBefore = inode.length;
    if (end > inode.length) this.setLength(inode, end);
    const zeros = allZero(data);
    // Zeros past the old end land on room that is zero already (setLength keeps it so): a log's
    // zero fill, a megabyte, costs no copy (and touches no fresh page).
    if (!(zeros && offset >= lengthBefore)) inode.data.set(data, offset);
    this.recordPending(inode, { kind: 'write', offset, data, zeros });
  }

  /**
   * Records a write a power loss may misdirect, with what its range held before it (zeros where
   * the file grows: called before the write lands); only while the gate is armed, zeros never.
   */
  private noteCandidate(inode: Inode, offset: number, data: Uint8Array): void {
    if (!this.gates.misdirectedWrite.armed || data.length === 0 || allZero(data)) return;
    const padded = new Uint8Array(data.length); // zeros where the file grew
    if (offset < inode.length) padded.set(inode.data.subarray(offset, Math.min(offset + data.length, inode.length)));
    if (inode.misdirectCandidates.length >= MISDIRECT_CANDIDATES_MAX) inode.misdirectCandidates.shift();
    inode.misdirectCandidates.push({ offset, data, before: padded });
  }

  effectWriteFile(path: string, data: Uint8Array): void {
    const inode = this.openForWrite(path);
    this.checkSpace(path, data.length - inode.length);
    this.setLength(inode, 0);
    this.setLength(inode, data.length);
    inode.data.set(data, 0);
    this.recordPending(inode, { kind: 'truncate', length: 0 });
    this.recordPending(inode, { kind: 'write', offset: 0, data });
  }

  effectAppend(path: string, data: Uint8Array): void {
    this.appendTo(this.openForWrite(path), path, data);
  }

  /** Opens (creating if missing) the file at `path` for an append handle; returns its inode and size. */
  effectOpenAppend(path: string): { readonly inode: number; readonly sizeBytes: number } {
    const inode = this.openForWrite(path);
    return { inode: inode.id, sizeBytes: inode.length };
  }

  /** A handle's positional write (an append at the log's end, or the zero fill ahead of it). */
  effectHandleWrite(path: string, inodeId: number, offset: number, data: Uint8Array): void {
    this.writeAt(this.handleInode(path, inodeId), path, offset, data);
  }

  effectHandleSync(path: string, inodeId: number): void {
    this.syncInode(this.handleInode(path, inodeId), path);
  }

  /** The inode an append handle opened; some name must still reach it (the port's contract). */
  private handleInode(path: string, inodeId: number): Inode {
    const inode = this.inodes.get(inodeId);
    let named = this.volatileNames.get(path) === inodeId;
    if (!named) for (const id of this.volatileNames.values()) if (id === inodeId) named = true;
    assert(inode !== undefined && named, 'disk_append_handle_file_still_named', path);
    return inode;
  }

  private appendTo(inode: Inode, path: string, data: Uint8Array): void {
    this.checkSpace(path, data.length);
    const offset = inode.length;
    this.setLength(inode, offset + data.length);
    this.noteCandidate(inode, offset, data);
    inode.data.set(data, offset);
    this.recordPending(inode, { kind: 'write', offset, data });
  }

  effectTruncate(path: string, length: number): void {
    const inode = this.fileInode(path);
    if (inode === undefined) throw failure('DISK_NOT_FOUND', `no such file: ${path}`);
    if (this.gates.truncateFail.fire()) {
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.truncate_fail', { path, length });
      throw failure('DISK_IO', `truncate failed (injected): ${path}`);
    }
    this.checkSpace(path, length - inode.length);
    this.setLength(inode, length);
    this.recordPending(inode, { kind: 'truncate', length });
  }

  effectFsync(path: string): void {
    const inode = this.fileInode(path);
    if (inode === undefined) {
      if (this.volatileDirs.has(path) || isRoot(path)) return; // fsync of a directory's own inode
      throw failure('DISK_NOT_FOUND', `no such file: ${path}`);
    }
    this.syncInode(inode, path);
  }

  private syncInode(inode: Inode, path: string): void {
    if (inode.pending.length === 0) return;
    if (this.gates.fsyncFail.fire()) {
      // Linux: a failed fsync marks the dirty pages clean; the data never reaches the disk.
      inode.pending = [];
      this.usedBytes += inode.durable.length - inode.length;
      inode.data = inode.durable.slice();
      inode.length = inode.durable.length;
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.fsync_fail', { path });
      throw failure('DISK_IO', `fsync failed (injected): ${path}; unsynced writes dropped`);
    }
    // In place when every pending write lands inside the durable contents (a log overwriting
    // its zero fill): the cost is the bytes written, not the file's size. `durable` is owned by
    // the inode (every reader copies it), so updating it in place is safe.
    if (inode.length === inode.durable.length && inode.pending.every((op) => op.kind === 'write' && op.offset + op.data.length <= inode.durable.length)) {
      for (const op of inode.pending) if (op.kind === 'write') inode.durable.set(op.data, op.offset);
    } else if (inode.length >= inode.durable.length && inode.pending.every((op) => op.kind === 'write')) {
      // A file that only grew (a log appending without a zero fill, a WAL): copy the pending
      // writes into room kept behind `durable` instead of the whole file, so a log's sync costs
      // its append, not its size. The room past `durable`'s end is zero (only this path writes
      // there, and always inside the new `durable`), like `data`'s growth room, so the bytes no
      // pending write covers are the zeros `data` holds there.
      const durableBefore = inode.durable.length;
      inode.durable = this.durableRoomFor(inode, inode.length);
      // Zeros past the old durable end are there already (the room is zero).
      for (const op of inode.pending) if (op.kind === 'write' && !(op.zeros === true && op.offset >= durableBefore)) inode.durable.set(op.data, op.offset);
    } else {
      inode.durable = inode.data.slice(0, inode.length);
    }
    for (const op of inode.pending) {
      if (op.kind === 'truncate') {
        unvouchFrom(inode, op.length);
        continue;
      }
      unvouchFrom(inode, op.offset);
      if (op.data.length === 0 || (op.zeros ?? allZero(op.data))) continue;
      if (inode.vouch.length >= VOUCH_WRITES_MAX) inode.vouch.shift();
      inode.vouch.push({ start: op.offset, end: op.offset + op.data.length });
    }
    inode.durableGeneration += 1;
    inode.pending = [];
  }

  /**
   * `inode.durable` grown to `length`, as a view of room this disk allocated for it (doubling),
   * its old bytes first and zeros after. The room is reused only while `durable` is still the
   * very view handed out last (any other assignment replaced it with an array of its own).
   */
  private durableRoomFor(inode: Inode, length: number): Uint8Array {
    const room = this.durableRooms.get(inode);
    if (room !== undefined && room.view === inode.durable && room.bytes.length >= length) {
      room.view = room.bytes.subarray(0, length);
      return room.view;
    }
    const bytes = new Uint8Array(Math.min(DISK_FILE_BYTES_MAX, Math.max(length, inode.durable.length * 2, 4096)));
    bytes.set(inode.durable);
    const view = bytes.subarray(0, length);
    this.durableRooms.set(inode, { bytes, view });
    return view;
  }

  effectFsyncDir(dir: string): void {
    if (!isRoot(dir) && !this.volatileDirs.has(dir)) {
      throw failure(this.volatileNames.has(dir) ? 'DISK_IO' : 'DISK_NOT_FOUND', `no such directory: ${dir}`);
    }
    let last = -1;
    for (let i = this.journal.length - 1; i >= 0; i--) {
      if (this.touches(this.journal[i] as DirOp, dir)) {
        last = i;
        break;
      }
    }
    if (last < 0) return;
    if (this.gates.fsyncFail.fire()) {
      this.trace.record(this.scheduler.nowMs, this.name, 'fault.disk.fsync_dir_fail', { dir });
      throw failure('DISK_IO', `fsync of directory failed (injected): ${dir}`);
    }
    this.commitJournal(last + 1);
    this.journal = this.journal.slice(last + 1);
  }

  private touches(op: DirOp, dir: string): boolean {
    switch (op.kind) {
      case 'create':
      case 'remove':
      case 'mkdir':
      case 'rmdir':
        return dirnameOf(op.path) === dir;
      case 'rename':
        return dirnameOf(op.from) === dir || dirnameOf(op.to) === dir;
    }
  }

  /** Applies the first `count` journal entries to the durable namespace (does not shift them). */
  private commitJournal(count: number): void {
    for (let i = 0; i < count; i++) {
      const op = this.journal[i] as DirOp;
      switch (op.kind) {
        case 'create':
          this.durableNames.set(op.path, op.inode);
          break;
        case 'rename':
          this.durableNames.delete(op.from);
          this.durableNames.set(op.to, op.inode);
          break;
        case 'remove':
          this.durableNames.delete(op.path);
          break;
        case 'mkdir':
          this.durableDirs.add(op.path);
          break;
        case 'rmdir':
          this.durableDirs.delete(op.path);
          break;
      }
    }
  }

  effectRename(from: string, to: string): void {
    const inode = this.fileInode(from);
    if (inode === undefined) {
      throw failure(this.volatileDirs.has(from) ? 'DISK_IO' : 'DISK_NOT_FOUND', `cannot rename ${from}: no such file`);
    }
    this.requireDir(dirnameOf(to), to);
    if (this.volatileDirs.has(to) || isRoot(to)) throw failure('DISK_IO', `rename onto a directory: ${to}`);
    if (from === to) return;
    if (this.volatileNames.has(to)) this.dropName(to);
    this.volatileNames.delete(from);
    this.volatileNames.set(to, inode.id);
    this.log({ kind: 'rename', from, to, inode: inode.id });
  }

  /** Removes a name from the volatile view; the bytes stop counting once no view references them. */
  private dropName(path: string): void {
    const id = this.volatileNames.get(path) as number;
    this.volatileNames.delete(path);
    const inode = this.inodes.get(id) as Inode;
    let referenced = false;
    for (const other of this.volatileNames.values()) if (other === id) referenced = true;
    if (!referenced) {
      this.usedBytes -= inode.length;
      // Keep the inode while the durable namespace may still name it (a crash can bring it back).
      let durable = false;
      for (const other of this.durableNames.values()) if (other === id) durable = true;
      if (!durable && !this.journalMentions(id)) this.inodes.delete(id);
      else {
        inode.data = new Uint8Array(0);
        inode.length = 0;
      }
    }
  }

  private journalMentions(id: number): boolean {
    for (const op of this.journal) if ((op.kind === 'create' || op.kind === 'rename') && op.inode === id) return true;
    return false;
  }

  effectMkdirp(dir: string): void {
    if (isRoot(dir) || this.volatileDirs.has(dir)) return;
    if (this.volatileNames.has(dir)) throw failure('DISK_EXISTS', `a file exists at ${dir}`);
    const missing: string[] = [];
    for (let d = dir; !isRoot(d) && !this.volatileDirs.has(d); d = dirnameOf(d)) {
      if (this.volatileNames.has(d)) throw failure('DISK_IO', `not a directory: ${d}`);
      missing.push(d);
    }
    for (const d of missing.reverse()) {
      this.volatileDirs.add(d);
      this.log({ kind: 'mkdir', path: d });
    }
  }

  effectRemove(path: string): void {
    if (this.volatileNames.has(path)) {
      this.dropName(path);
      this.log({ kind: 'remove', path });
      return;
    }
    if (this.volatileDirs.has(path)) {
      const prefix = path === '/' ? '/' : `${path}/`;
      for (const name of this.volatileNames.keys()) if (name.startsWith(prefix)) throw failure('DISK_IO', `directory not empty: ${path}`);
      for (const d of this.volatileDirs) if (d.startsWith(prefix)) throw failure('DISK_IO', `directory not empty: ${path}`);
      this.volatileDirs.delete(path);
      this.log({ kind: 'rmdir', path });
    }
  }

  effectList(dir: string): string[] {
    if (this.volatileNames.has(dir)) throw failure('DISK_IO', `not a directory: ${dir}`);
    if (!isRoot(dir) && !this.volatileDirs.has(dir)) return [];
    const names: string[] = [];
    for (const path of this.volatileNames.keys()) if (dirnameOf(path) === dir) names.push(basenameOf(path));
    for (const d of this.volatileDirs) if (dirnameOf(d) === dir) names.push(basenameOf(d));
    return names.sort();
  }

  effectSize(path: string): number | null {
    if (this.volatileDirs.has(path) || isRoot(path)) throw failure('DISK_IO', `is a directory: ${path}`);
    const inode = this.fileInode(path);
    return inode === undefined ? null : inode.length;
  }

  effectLock(path: string, holder: Incarnation): number {
    const inode = this.openForWrite(path);
    if (this.locks.has(inode.id)) throw failure('DISK_LOCKED', `${path} is locked by another process`);
    this.locks.set(inode.id, { inode: inode.id, holder });
    return inode.id;
  }

  effectUnlock(inode: number, holder: Incarnation): void {
    const held = this.locks.get(inode);
    if (held !== undefined && held.holder === holder) this.locks.delete(inode);
  }

  /** Whether the file at `path` is locked now (for tests and checkers). */
  isLocked(path: string): boolean {
    const inode = this.fileInode(normalizePath(path));
    return inode !== undefined && this.locks.has(inode.id);
  }
}

function checkOffset(offset: number, invariant: string): void {
  assert(Number.isSafeInteger(offset) && offset >= 0 && offset <= DISK_FILE_BYTES_MAX, invariant, () => String(offset));
}

/** One incarnation's view of a SimDisk: the Disk port. */
class SimDiskPort implements Disk {
  constructor(
    private readonly disk: SimDisk,
    private readonly owner: Incarnation,
  ) {}

  read(path: string): Promise<Uint8Array | null> {
    const p = normalizePath(path);
    return this.disk.operate(this.owner, 'read', 'data', { path: p }, () => this.disk.effectRead(p));
  }

  write(path: string, offset: number, data: Uint8Array): Promise<void> {
    const p = normalizePath(path);
    checkOffset(offset, 'disk_write_offset_valid');
    const copy = pooledCopy(data); // the caller may reuse its buffer once the call returns (pooled: kept only until synced)
    return this.disk.operate(this.owner, 'write', 'data', { path: p, offset, bytes: copy.length }, () => this.disk.effectWrite(p, offset, copy));
  }

  writeFile(path: string, data: Uint8Array): Promise<void> {
    const p = normalizePath(path);
    const copy = pooledCopy(data);
    return this.disk.operate(this.owner, 'writeFile', 'data', { path: p, bytes: copy.length }, () => this.disk.effectWriteFile(p, copy));
  }

  append(path: string, data: Uint8Array): Promise<void> {
    const p = normalizePath(path);
    const copy = pooledCopy(data);
    return this.disk.operate(this.owner, 'append', 'data', { path: p, bytes: copy.length }, () => this.disk.effectAppend(p, copy));
  }

  openAppend(path: string, options: AppendOptions = {}): Promise<AppendHandle> {
    const p = normalizePath(path);
    const zeroFillAheadBytes = options.zeroFillAheadBytes ?? 0;
    assert(Number.isSafeInteger(zeroFillAheadBytes) && zeroFillAheadBytes >= 0, 'append_zero_fill_ahead_valid', () => String(zeroFillAheadBytes));
    return this.disk.operate(this.owner, 'openAppend', 'meta', { path: p }, () => {
      const opened = this.disk.effectOpenAppend(p);
      const endBytes = options.endBytes ?? opened.sizeBytes;
      assert(Number.isSafeInteger(endBytes) && endBytes >= 0 && endBytes <= opened.sizeBytes, 'append_end_within_file', () => `${p}: end ${endBytes}, size ${opened.sizeBytes}`);
      return new SimAppendHandle(this.disk, this.owner, p, opened.inode, new AppendPlacement(endBytes, opened.sizeBytes, zeroFillAheadBytes));
    });
  }

  truncate(path: string, length: number): Promise<void> {
    const p = normalizePath(path);
    checkOffset(length, 'disk_truncate_length_valid');
    return this.disk.operate(this.owner, 'truncate', 'data', { path: p, length }, () => this.disk.effectTruncate(p, length));
  }

  fsync(path: string): Promise<void> {
    const p = normalizePath(path);
    return this.disk.operate(this.owner, 'fsync', 'sync', { path: p }, () => this.disk.effectFsync(p));
  }

  rename(from: string, to: string): Promise<void> {
    const f = normalizePath(from);
    const t = normalizePath(to);
    return this.disk.operate(this.owner, 'rename', 'meta', { from: f, to: t }, () => this.disk.effectRename(f, t));
  }

  fsyncDir(dir: string): Promise<void> {
    const d = normalizePath(dir);
    return this.disk.operate(this.owner, 'fsyncDir', 'sync', { dir: d }, () => this.disk.effectFsyncDir(d));
  }

  mkdirp(dir: string): Promise<void> {
    const d = normalizePath(dir);
    return this.disk.operate(this.owner, 'mkdirp', 'meta', { dir: d }, () => this.disk.effectMkdirp(d));
  }

  remove(path: string): Promise<void> {
    const p = normalizePath(path);
    return this.disk.operate(this.owner, 'remove', 'meta', { path: p }, () => this.disk.effectRemove(p));
  }

  list(dir: string): Promise<string[]> {
    const d = normalizePath(dir);
    return this.disk.operate(this.owner, 'list', 'meta', { dir: d }, () => this.disk.effectList(d));
  }

  size(path: string): Promise<number | null> {
    const p = normalizePath(path);
    return this.disk.operate(this.owner, 'size', 'meta', { path: p }, () => this.disk.effectSize(p));
  }

  lock(path: string): Promise<DiskLock> {
    const p = normalizePath(path);
    return this.disk.operate(this.owner, 'lock', 'meta', { path: p }, () => {
      const inode = this.disk.effectLock(p, this.owner);
      let released = false;
      return {
        release: (): Promise<void> => {
          if (released) return Promise.resolve();
          released = true;
          return this.disk.operate(this.owner, 'unlock', 'meta', { path: p }, () => this.disk.effectUnlock(inode, this.owner));
        },
      };
    });
  }
}

/**
 * One incarnation's append handle on one inode of a SimDisk. Like the Node handle it writes at
 * the log's end, and first extends the zero-filled region ahead of it when an append would pass
 * it (two pending writes, zero fill then data, each torn or lost on a crash on its own).
 */
class SimAppendHandle implements AppendHandle {
  private busy = false;
  private closed = false;

  constructor(
    private readonly disk: SimDisk,
    private readonly owner: Incarnation,
    private readonly path: string,
    private readonly inode: number,
    private readonly placement: AppendPlacement,
  ) {}

  append(data: Uint8Array): Promise<void> {
    const copy = pooledCopy(data); // the caller may reuse its buffer once the call returns (pooled: kept only until synced)
    return this.run('append', 'data', { path: this.path, bytes: copy.length, handle: true }, () =>
      this.placement.append(copy, (offset, bytes) => this.disk.effectHandleWrite(this.path, this.inode, offset, bytes)),
    );
  }

  sync(): Promise<void> {
    return this.run('fsync', 'sync', { path: this.path, handle: true }, () => this.disk.effectHandleSync(this.path, this.inode));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    assert(!this.busy, 'append_handle_calls_sequential', () => `close ${this.path}`);
    this.closed = true;
    return this.disk.operate(this.owner, 'close', 'meta', { path: this.path }, () => undefined);
  }

  private async run(kind: string, latencyClass: LatencyClass, details: TraceDetails, effect: () => void): Promise<void> {
    assert(!this.closed, 'append_handle_used_while_open', () => `${kind} ${this.path}`);
    assert(!this.busy, 'append_handle_calls_sequential', () => `${kind} ${this.path}`);
    this.busy = true;
    try {
      await this.disk.operate(this.owner, kind, latencyClass, details, effect);
    } finally {
      this.busy = false;
    }
  }
}
