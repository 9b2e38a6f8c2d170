import { type Response } from '../../core/protocol.js';
export type ClientEvent = {
    readonly kind: 'answer';
    readonly response: Response;
} | {
    readonly kind: 'violation';
    readonly code: string;
} | {
    readonly kind: 'bad-frame';
    readonly code: string;
};
export declare function clientReads(bytes: Uint8Array): ClientEvent[];
declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
