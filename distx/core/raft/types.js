// The shapes of the Raft core: log entries, persisted state, messages, inputs, and the `Ready`
// output with its I/O ordering rule. The algorithm lives in node.ts; this file only names things.
//
// Conventions:
//   - Terms, indexes and node ids are u64 on the wire and safe integers here (the decoder refuses
//     anything above 2^53 − 1; a term or index can never get there by counting).
//   - Node id 0 means "none" (no vote, no known leader); real ids are ≥ 1.
//   - Time is an injected monotonic millisecond count (`nowMs`), never a global clock.
export {};
//# sourceMappingURL=types.js.map