// The driver's own test, in its own project: the ConsensusDriver contract, clause by clause.
import { checkDriverConformance, formatConformanceReport } from 'tsoracle/testing';
import driver from './snapshot-driver.mjs';

const report = await checkDriverConformance(driver);
console.log(formatConformanceReport(report));
process.exitCode = report.ok ? 0 : 1;
