// Public surface of the codecs: the postcard-style codec, the versioned envelope, fixed-width
// little-endian fields, CRC-32C and UTF-8 helpers. Everything here is pure and every decoder is
// total (it throws only `DecodeError`).
export { Reader, Writer, VARINT_U16_BYTES_MAX, VARINT_U32_BYTES_MAX, VARINT_U64_BYTES_MAX, WRITER_BYTES_MAX } from './postcard.js';
export { decodeEnvelope, encodeEnvelope } from './envelope.js';
export { LeReader, LeWriter, readU32LeAt, writeU32LeAt } from './le.js';
export { crc32c, crc32cExtend } from './crc32c.js';
export { compareBytes, compareUtf8, isWellFormedUtf16, utf8ByteLength, utf8Decode, utf8Encode, utf8EncodeInto } from './utf8.js';
//# sourceMappingURL=index.js.map