// The client library bound to Node: real TCP (NodeTransport), the real clock (NodeClock) and
// Math.random for jitter and the default clientId. All behaviour lives in drivers/client/,
// written against the ports, so this file only wires; the simulator binds the same client
// core to its own ports instead.
import { LISTEN_ADDRESS_DEFAULT } from '../core/limits.js';
import { createClientCore } from '../drivers/client/index.js';
import { NodeClock } from '../drivers/node/clock.js';
import { NodeTransport } from '../drivers/node/transport.js';
/** A client over TCP. Throws TsoError(INVALID_CONFIG / NO_REACHABLE_ENDPOINTS) for bad options. */
export function createClient(options = {}) {
    return createClientCore({
        endpoints: options.endpoints ?? [LISTEN_ADDRESS_DEFAULT],
        transport: new NodeTransport(),
        // Unref'd timers: an idle client, or one whose caller stopped waiting, never keeps the
        // process alive by itself (a pending call's own promise does, through the socket).
        clock: new NodeClock({ unrefTimers: true }),
        random: Math.random,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
}
//# sourceMappingURL=client.js.map