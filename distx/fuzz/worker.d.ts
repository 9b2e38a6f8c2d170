import { type Finding, type FuzzOptions, type FuzzReport } from './engine.js';
export interface WorkerInput {
    /** A registered target's name, or ... */
    readonly targetName: string;
    /** ... a module URL whose `exportName` export is the target (test-only targets). */
    readonly targetModule?: string;
    readonly exportName?: string;
    readonly options: Omit<FuzzOptions, 'beforeInput' | 'log' | 'onFinding'>;
    readonly heartbeat: SharedArrayBuffer;
}
export type WorkerMessage = {
    readonly type: 'log';
    readonly line: string;
} | {
    readonly type: 'finding';
    readonly finding: Finding;
} | {
    readonly type: 'report';
    readonly report: FuzzReport;
} | {
    readonly type: 'error';
    readonly message: string;
};
