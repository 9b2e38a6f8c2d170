import { Reader, Writer } from './postcard.js';
/** Encodes `[version | payload]`, the payload written by `write`. */
export declare function encodeEnvelope(version: number, write: (w: Writer) => void): Uint8Array;
/**
 * Decodes an envelope with the decoder registered for its version byte. The decoder reads the
 * payload; every payload byte must be consumed.
 */
export declare function decodeEnvelope<T>(bytes: Uint8Array, decoders: Readonly<Record<number, (r: Reader) => T>>): T;
