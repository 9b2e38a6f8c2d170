// The unit tests of the decoders as a test set for mutation testing (npm run mutation).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'core/codec/**/*.test.ts',
      'core/records/**/*.test.ts',
      'core/frame.test.ts',
      'core/protocol.test.ts',
      'core/protocol-batch.test.ts',
      'core/raft/codec*.test.ts',
      'drivers/raft/peer-wire.test.ts',
      'core/oracle/lease-record.test.ts',
      'core/paxos/codec.test.ts',
    ],
    pool: 'forks',
    testTimeout: 120_000,
  },
});
