// Free loopback ports for the cluster's nodes. A node keeps its ports across restarts (its peers
// and the clients know them), so they are chosen once, up front, and must stay usable while the
// node is down: a port from the kernel's ephemeral range could meanwhile become the local port of
// some outgoing connection (the load reconnects after every kill) and block the restart. Ports
// are therefore drawn below the ephemeral range (read from /proc when it exists), and each one is
// checked by binding it. All candidates stay bound until the whole set is chosen, so the set has
// no duplicates; a port another process grabs between our check and the node's bind makes that
// node's start fail, which the cluster reports (and retries on restart).
import { readFileSync } from 'node:fs';
import net from 'node:net';
/** Tries before giving up on finding the ports (each try binds one random candidate). */
export const PORT_PICK_ATTEMPTS_MAX = 2_000;
/** Lowest port drawn (above the registered well-known services most hosts run). */
export const PORT_RANGE_LOW = 20_000;
const EPHEMERAL_LOW_FALLBACK = 32_768;
/** The first port of the kernel's ephemeral range (Linux), or 32768. */
export function ephemeralPortLow() {
    try {
        const text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
        const low = Number(text.trim().split(/\s+/)[0]);
        if (Number.isSafeInteger(low) && low > PORT_RANGE_LOW + 1_000 && low < 65_536)
            return low;
    }
    catch {
        // Not Linux: the common default.
    }
    return EPHEMERAL_LOW_FALLBACK;
}
function bindPort(host, port) {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once('error', () => resolve(null));
        server.listen({ host, port, exclusive: true }, () => resolve(server));
    });
}
function closeServer(server) {
    return new Promise((resolve) => server.close(() => resolve()));
}
/** `count` distinct ports free on `host` right now, from [PORT_RANGE_LOW, ephemeral low). */
export async function pickFreePorts(count, random, host = '127.0.0.1') {
    const high = ephemeralPortLow();
    const held = [];
    const ports = [];
    try {
        for (let attempt = 0; ports.length < count; attempt += 1) {
            if (attempt >= PORT_PICK_ATTEMPTS_MAX)
                throw new Error(`could not find ${count} free ports on ${host} in [${PORT_RANGE_LOW}, ${high})`);
            const port = PORT_RANGE_LOW + Math.floor(random() * (high - PORT_RANGE_LOW));
            if (ports.includes(port))
                continue;
            const server = await bindPort(host, port);
            if (server === null)
                continue;
            held.push(server);
            ports.push(port);
        }
        return ports;
    }
    finally {
        await Promise.all(held.map(closeServer));
    }
}
//# sourceMappingURL=ports.js.map