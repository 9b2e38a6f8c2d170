import { ErrorCode } from '../../core/errors.js';
import { type GetSeqRequest, type GetTsRequest, type Response } from '../../core/protocol.js';
import type { HostPort, Transport } from '../ports.js';
/** A request without its id: the channel assigns the id. */
export type RequestBody = Omit<GetTsRequest, 'id'> | Omit<GetSeqRequest, 'id'>;
export type ChannelFailureCode = typeof ErrorCode.TRANSPORT | typeof ErrorCode.PROTOCOL_VIOLATION;
export interface ChannelFailure {
    /** True when the request was handed to the connection (the server may have seen it). */
    readonly sent: boolean;
    readonly code: ChannelFailureCode;
    readonly message: string;
}
export interface PendingHandlers {
    onAnswer(answer: Response): void;
    onFailure(failure: ChannelFailure): void;
}
export interface ChannelEvents {
    connected(endpoint: string): void;
    disconnected(endpoint: string, reason: string): void;
}
export declare class Channel {
    readonly endpoint: string;
    private readonly address;
    private readonly transport;
    private readonly events;
    private connection;
    private dialing;
    private ended;
    private readonly pending;
    private nextId;
    constructor(endpoint: string, address: HostPort, transport: Transport, events: ChannelEvents);
    get isEnded(): boolean;
    get pendingCount(): number;
    /** Resolves once connected; rejects with TsoError(TRANSPORT) when the dial fails or the channel ended. */
    open(): Promise<void>;
    private dial;
    /**
     * Sends `body` with a fresh id and returns the id, or null when the channel is not open (the
     * request was not sent; no handler will be called).
     */
    send(body: RequestBody, handlers: PendingHandlers): number | null;
    private allocateId;
    /** The caller stopped waiting for `id` (its attempt timed out): a late answer is ignored. */
    abandon(id: number): void;
    private onFrame;
    /** Ends the channel with `code` for every pending request, and closes the connection. */
    private fail;
    /** Closes the channel (idempotent): pending requests fail as sent, with TRANSPORT. */
    close(reason: string): void;
    private end;
}
/** One channel per endpoint, at most CLIENT_CONNECTIONS_MAX, least recently used evicted when idle. */
export declare class ChannelPool {
    private readonly transport;
    private readonly events;
    private readonly channelsMax;
    private readonly channels;
    constructor(transport: Transport, events: ChannelEvents, channelsMax?: number);
    /** The live channel for `endpoint` (created if needed), or null when every slot is busy. */
    get(endpoint: string, address: HostPort): Channel | null;
    private evictIdle;
    /** Closes `endpoint`'s channel (after a transport failure or timeout the next use re-dials). */
    evict(endpoint: string, reason: string): void;
    closeAll(reason: string): void;
    get size(): number;
}
