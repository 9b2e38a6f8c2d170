// Micro-benchmark of the Node ports (not a test; prints numbers, asserts nothing):
//   - atomic replace through the Disk port (writeFile tmp + fsync + rename + fsyncDir), with
//     the callback fs flavour (the default) and the synchronous one;
//   - loopback frame round trip through the Transport port (one 16-byte frame out, echoed back);
//   - pipelined one-way frame throughput (many small frames per tick).
// Run: build, then `node dist/bench/ports.js [iterations]`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeDisk } from '../drivers/node/disk.js';
import { NodeTransport } from '../drivers/node/transport.js';
function percentiles(samplesMs) {
    const sorted = [...samplesMs].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    return `p50 ${at(0.5).toFixed(3)} ms  p99 ${at(0.99).toFixed(3)} ms  (n=${sorted.length})`;
}
async function benchAtomicReplace(blocking, iterations) {
    const dir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-'));
    try {
        const disk = new NodeDisk({ blocking });
        const record = new Uint8Array(17).fill(0x42);
        const samples = [];
        for (let i = 0; i < iterations + 20; i++) {
            const startMs = performance.now();
            await disk.writeFile(`${dir}/state.tmp`, record);
            await disk.fsync(`${dir}/state.tmp`);
            await disk.rename(`${dir}/state.tmp`, `${dir}/state`);
            await disk.fsyncDir(dir);
            if (i >= 20)
                samples.push(performance.now() - startMs); // first 20 warm up
        }
        console.log(`atomic replace, ${blocking ? 'sync fs    ' : 'callback fs'}: ${percentiles(samples)}`);
    }
    finally {
        await rm(dir, { recursive: true, force: true });
    }
}
async function benchTransport(iterations) {
    const transport = new NodeTransport();
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (connection) => {
        connection.setHandlers({ onFrame: (body) => connection.send(body), onClose: () => undefined });
    });
    const client = await transport.connect(listener.address);
    let onReply = null;
    let received = 0;
    client.setHandlers({
        onFrame: () => {
            received += 1;
            onReply?.();
        },
        onClose: () => undefined,
    });
    const body = new Uint8Array(16).fill(7);
    const samples = [];
    for (let i = 0; i < iterations + 100; i++) {
        const startMs = performance.now();
        await new Promise((resolve) => {
            onReply = resolve;
            client.send(body);
        });
        if (i >= 100)
            samples.push(performance.now() - startMs);
    }
    onReply = null;
    console.log(`loopback frame round trip (16 B): ${percentiles(samples)}`);
    // Throughput: frames sent in bursts of 100 per tick, echoed back; time until all return.
    const frames = 200_000;
    received = 0;
    const startMs = performance.now();
    const done = new Promise((resolve) => {
        onReply = () => {
            if (received === frames)
                resolve();
        };
    });
    for (let sent = 0; sent < frames;) {
        for (let k = 0; k < 100; k++, sent++)
            client.send(body);
        await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    const seconds = (performance.now() - startMs) / 1000;
    console.log(`pipelined echo (16 B, 100 per tick): ${Math.round(frames / seconds).toLocaleString('en-US')} frames/s`);
    client.close();
    await listener.close();
}
const iterations = Number(process.argv[2] ?? 500);
await benchAtomicReplace(false, iterations);
await benchAtomicReplace(true, iterations);
await benchTransport(iterations * 4);
//# sourceMappingURL=ports.js.map