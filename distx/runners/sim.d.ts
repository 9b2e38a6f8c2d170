export declare const SIM_EXIT_OK = 0;
export declare const SIM_EXIT_SAFETY = 1;
export declare const SIM_EXIT_USAGE = 2;
export declare const SIM_EXIT_LIVENESS = 3;
export declare const SIM_EXIT_NONDETERMINISM = 4;
/** Where the command writes (the process's streams unless a caller captures them). */
export interface SimIo {
    out(text: string): void;
    err(text: string): void;
    /** Whether stderr is a terminal (a progress line is drawn only then). */
    readonly progress: boolean;
}
export declare function runSimCommand(argv: string[], io?: SimIo): Promise<number>;
