#!/usr/bin/env node
/** Time the run may take beyond its duration: start, heal, drain, probes, stop (each bounded). */
export declare const WATCHDOG_SLACK_MS = 240000;
