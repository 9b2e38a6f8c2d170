import * as fc from 'fast-check';
import { type Request, type Response } from '../core/protocol.js';
export declare const requestArbitrary: fc.Arbitrary<Request>;
export declare const responseArbitrary: fc.Arbitrary<Response>;
/** Field names a request or an answer may carry (for dictionaries and wild maps). */
export declare const PROTOCOL_FIELD_NAMES: readonly string[];
/** msgpack tokens: field names as fixstr, type bytes at their edges. */
export declare const PROTOCOL_DICTIONARY: readonly Uint8Array[];
