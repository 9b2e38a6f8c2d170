// The ports: the only I/O contracts of the program. Every consensus driver, the serving node,
// the protocol server and the client do their I/O and read time only through these
// interfaces. `drivers/node/` binds them to Node (real files, fsync, TCP, wall clock); `sim/`
// binds them to a seeded simulated world. There is no `if (simulated)` anywhere: only the port
// implementations differ, and one conformance suite runs against both.
//
// Invariants every implementation keeps:
//   - Disk: data written is volatile until `fsync(path)` returns; a `rename` or a file creation
//     is volatile until `fsyncDir(dir)` returns. `lock` is exclusive across processes and is
//     released when the holding process dies.
//   - Transport: a connection delivers whole frames (the bodies, without the length prefix) in
//     order or closes; it never delivers a partial frame. `send` never throws for a closed
//     connection (the frame is dropped; `onClose` has fired or will fire).
//   - Clock: `monotonicMs()` never decreases; `wallMs()` may jump in either direction. Timers
//     fire at or after their deadline on the monotonic clock, in deadline order.
/** A promise that resolves after `delayMs` on `clock`. */
export function sleep(clock, delayMs) {
    return new Promise((resolve) => {
        clock.setTimer(delayMs, resolve);
    });
}
export class DiskError extends Error {
    code;
    name = 'DiskError';
    constructor(code, message) {
        super(`${code}: ${message}`);
        this.code = code;
    }
}
/** Parses `host:port` (IPv4 or a name; `[v6]:port` too). Returns null when malformed. */
export function parseHostPort(text) {
    const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
    if (!m)
        return null;
    const host = m[1] ?? m[2];
    const port = Number(m[3]);
    if (host === undefined || !Number.isInteger(port) || port < 0 || port > 65_535)
        return null;
    return { host, port };
}
export function formatHostPort(address) {
    return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
//# sourceMappingURL=ports.js.map