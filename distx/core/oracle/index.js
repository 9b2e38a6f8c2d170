// Public surface of the replicated oracle state machine (the state every Raft replica applies).
export { decodeOracleCommand, encodeOracleCommand, ORACLE_COMMAND_VERSION, ORACLE_SNAPSHOT_VERSION, OracleStateMachine, prepareOracleCommand, validateOracleCommand, } from './state.js';
//# sourceMappingURL=index.js.map