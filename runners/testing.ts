// The package's testing surface (`import { checkDriverConformance } from 'tsoracle/testing'`): the
// ConsensusDriver conformance suite (drivers/testing/conformance.ts) and what a driver module for
// the simulator is made of (sim/oracle/drivers.ts), so that a user's own driver can be checked
// clause by clause in their own tests and then run under `tsoracle sim swarm --driver`.

export {
  assertDriverConformance,
  checkDriverConformance,
  type ClauseResult,
  type ClauseStatus,
  CONFORMANCE_CLAUSE_TEXT,
  CONFORMANCE_CLAUSES,
  type ConformanceClause,
  type ConformanceDriverFactory,
  type ConformanceOptions,
  type ConformanceReport,
  formatConformanceReport,
} from '../drivers/testing/conformance.js';
export { defineSimDriver, type SimDriverContext, type SimDriverModule, type SimPeer } from '../sim/oracle/drivers.js';
