import type { StressReport } from './run.js';
/** Violations printed in detail by the text report. */
export declare const REPORT_VIOLATIONS_SHOWN = 5;
export declare function formatReport(report: StressReport): string;
/** One line of JSON (bigints as decimal strings). */
export declare function reportJson(report: StressReport): string;
