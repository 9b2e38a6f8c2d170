/** Deepest nesting compared before giving up (a decoder's value is never this deep). */
export declare const DEEP_EQUAL_DEPTH_MAX = 256;
export declare function deepEqual(a: unknown, b: unknown): boolean;
export declare function bytesEqual(a: Uint8Array, b: Uint8Array): boolean;
export declare function toHex(bytes: Uint8Array): string;
export declare function fromHex(hex: string): Uint8Array;
