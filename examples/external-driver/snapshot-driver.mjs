// A consensus driver written outside the tsoracle repository, against its public package only
// ('tsoracle', 'tsoracle/core', 'tsoracle/sim'): copy this folder into a project that depends on
// tsoracle, then
//   node check.mjs                                                  (the conformance suite)
//   npx tsoracle sim swarm --driver ./snapshot-driver.mjs --seeds 1..100   (the whole swarm)
// (runners/byo-driver.test.ts does both, from a temporary folder outside the repository.)
//
// The driver: one node that keeps the high-water and the sequence ledger as two whole-file records, each
// replaced atomically (write a temporary file, fsync it, rename it over the record, fsync the
// directory). It makes what it loaded durable before it answers (a record only the page cache
// held must not be served from), refuses to start on a record it cannot read, and on a failed
// write stops answering and asks its supervisor to restart it (context.fatal).
import { ErrorCode, PHYSICAL_MS_MAX, TsoError } from 'tsoracle';
import { decodeHighWaterRecord, decodeSeqLedgerRecord, encodeHighWaterRecord, encodeSeqLedgerRecord, SeqLedger } from 'tsoracle/core';
import { defineSimDriver } from 'tsoracle/sim';

const EPOCH = 1n;

class SnapshotDriver {
  #disk; #dir; #highWaterMs; #ledger; #fatal;
  #queue = Promise.resolve();
  #broken = null;

  constructor(disk, dir, highWaterMs, ledger, fatal) {
    this.#disk = disk; this.#dir = dir; this.#highWaterMs = highWaterMs; this.#ledger = ledger; this.#fatal = fatal;
  }

  static async open(disk, dir, fatal) {
    try {
      await disk.mkdirp(dir);
      const hw = await disk.read(`${dir}/high-water`);
      const ledger = await disk.read(`${dir}/ledger`);
      // What was loaded may sit in the page cache only: make it durable before serving from it.
      if (hw !== null) await disk.fsync(`${dir}/high-water`);
      if (ledger !== null) await disk.fsync(`${dir}/ledger`);
      await disk.fsyncDir(dir);
      return new SnapshotDriver(
        disk,
        dir,
        hw === null ? 0 : decodeHighWaterRecord(hw),
        ledger === null ? new SeqLedger() : SeqLedger.fromSnapshot(decodeSeqLedgerRecord(ledger)),
        fatal,
      );
    } catch (e) {
      throw new TsoError(ErrorCode.DRIVER_PERMANENT, `snapshot driver cannot load ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  subscribeLeadership(listener) {
    listener({ kind: 'leader', epoch: EPOCH });
    return () => {};
  }

  async loadHighWater() {
    return this.#broken ?? { ok: true, highWaterMs: this.#highWaterMs };
  }

  async loadSeq(key) {
    return this.#broken ?? { ok: true, next: this.#ledger.get(key) };
  }

  persistHighWater(atLeastMs, _epoch) {
    if (!Number.isSafeInteger(atLeastMs) || atLeastMs < 0 || atLeastMs > PHYSICAL_MS_MAX) {
      return Promise.resolve({ ok: false, code: 'DRIVER_OUT_OF_RANGE', message: `high-water ${atLeastMs} is outside 0..${PHYSICAL_MS_MAX}` });
    }
    return this.#serially(async () => {
      const target = Math.max(this.#highWaterMs, atLeastMs);
      if (target > this.#highWaterMs) {
        await this.#replace('high-water', encodeHighWaterRecord(target));
        this.#highWaterMs = target;
      }
      return { ok: true, highWaterMs: this.#highWaterMs };
    });
  }

  advanceSeq(request, _epoch) {
    return this.#serially(async () => {
      const next = this.#ledger.clone();
      const result = next.advance(request);
      if (!result.ok) return { ok: false, code: result.code, message: result.message ?? result.code, ...(result.requestIdsFrom === undefined ? {} : { requestIdsFrom: result.requestIdsFrom }) };
      if (!result.replayed) {
        await this.#replace('ledger', encodeSeqLedgerRecord(next.snapshot()));
        this.#ledger = next;
      }
      return { ok: true, start: result.start, count: result.count };
    });
  }

  async close() {}

  /** One durable write at a time; after a failed one, nothing more (the process restarts). */
  #serially(work) {
    const run = this.#queue.then(async () => {
      if (this.#broken !== null) return this.#broken;
      try {
        return await work();
      } catch (e) {
        this.#broken = { ok: false, code: 'DRIVER_PERMANENT', message: `a durable write failed: ${e instanceof Error ? e.message : String(e)}` };
        this.#fatal(e);
        return this.#broken;
      }
    });
    this.#queue = run.then(() => undefined);
    return run;
  }

  async #replace(name, bytes) {
    const path = `${this.#dir}/${name}`;
    await this.#disk.writeFile(`${path}.tmp`, bytes);
    await this.#disk.fsync(`${path}.tmp`);
    await this.#disk.rename(`${path}.tmp`, path);
    await this.#disk.fsyncDir(this.#dir);
  }
}

export default defineSimDriver({
  name: 'snapshot',
  nodeCounts: [1],
  createDriver: (context) => SnapshotDriver.open(context.disk, context.dataDir, (error) => context.fatal(error)),
});
