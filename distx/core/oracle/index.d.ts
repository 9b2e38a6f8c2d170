export { decodeOracleCommand, encodeOracleCommand, ORACLE_COMMAND_VERSION, ORACLE_SNAPSHOT_VERSION, OracleStateMachine, prepareOracleCommand, validateOracleCommand, } from './state.js';
export type { HighWaterApplyResult, OracleApplyResult, OracleCommand, OracleCommandFailureCode, OracleStateOptions } from './state.js';
