export type BenchEventKind = 'quiet' | 'waking';
/** Runs `events` events of `kind` and returns events per wall-clock second. */
export declare function benchScheduler(events: number, kind?: BenchEventKind): Promise<number>;
