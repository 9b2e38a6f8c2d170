import { type ErrorAnswer, type Request } from '../../core/protocol.js';
export interface ValidatedRequest {
    readonly request: Request;
    readonly invalid: ErrorAnswer | null;
}
declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
