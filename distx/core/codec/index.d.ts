export { Reader, Writer, VARINT_U16_BYTES_MAX, VARINT_U32_BYTES_MAX, VARINT_U64_BYTES_MAX, WRITER_BYTES_MAX } from './postcard.js';
export { decodeEnvelope, encodeEnvelope } from './envelope.js';
export { LeReader, LeWriter, readU32LeAt, writeU32LeAt } from './le.js';
export { crc32c, crc32cExtend } from './crc32c.js';
export { compareBytes, compareUtf8, isWellFormedUtf16, utf8ByteLength, utf8Decode, utf8Encode, utf8EncodeInto } from './utf8.js';
