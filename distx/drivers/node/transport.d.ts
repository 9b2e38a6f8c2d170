import { type Connection, type HostPort, type Listener, type Transport } from '../ports.js';
/** Default cap on bytes queued for sending on one connection before it is closed. */
export declare const TRANSPORT_SEND_BUFFER_BYTES_MAX_DEFAULT: number;
/** Default time `connect` waits for the TCP handshake. */
export declare const TRANSPORT_CONNECT_TIMEOUT_MS_DEFAULT = 2000;
/** How long a closing connection waits for the peer's close before destroying the socket. */
export declare const CONNECTION_CLOSE_LINGER_MS = 2000;
export interface NodeTransportOptions {
    /** Largest frame body accepted from and sent to a peer (default FRAME_BODY_BYTES_MAX). */
    readonly frameBodyBytesMax?: number;
    /** Bytes queued for sending on one connection beyond which it is closed (default 64 MiB). */
    readonly sendBufferBytesMax?: number;
    /** `connect` gives up after this long with TsoError(TRANSPORT) (default 2 s). */
    readonly connectTimeoutMs?: number;
    /** Accepted connections one listener keeps open at once (default SERVER_CONNECTIONS_MAX). */
    readonly connectionsMax?: number;
}
export declare class NodeTransport implements Transport {
    private readonly options;
    constructor(options?: NodeTransportOptions);
    listen(address: HostPort, onConnection: (connection: Connection) => void): Promise<Listener>;
    connect(address: HostPort): Promise<Connection>;
}
