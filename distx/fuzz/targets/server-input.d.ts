import { type Request } from '../../core/protocol.js';
export type ServerEvent = {
    readonly kind: 'serve';
    readonly request: Request;
} | {
    readonly kind: 'invalid-argument';
    readonly id: number;
    readonly answerFrame: Uint8Array;
} | {
    readonly kind: 'bad-body';
    readonly answerFrame: Uint8Array;
} | {
    readonly kind: 'bad-frame';
    readonly answerFrame: Uint8Array;
};
export declare function serverReads(bytes: Uint8Array): ServerEvent[];
declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
