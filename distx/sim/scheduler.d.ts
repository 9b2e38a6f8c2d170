/** Virtual time resolution: every time is a multiple of 1/TICKS_PER_MS ms. */
export declare const TICKS_PER_MS = 1024;
/** Rounds a delay up to the time grid (so a deadline is never early). */
export declare function quantizeUpMs(ms: number): number;
/** Rounds a time down to the grid. */
export declare function quantizeDownMs(ms: number): number;
export interface EventOwner {
    /** Events of a dead owner are dropped. */
    readonly dead: boolean;
    /** Events of a paused owner are handed to `defer` instead of running. */
    readonly paused: boolean;
    defer(event: SimEvent): void;
}
export interface SimEvent {
    timeMs: number;
    seq: number;
    readonly fn: () => void;
    readonly owner: EventOwner | null;
    /** Runs foreign code or settles promises: the loop drains continuations after it. */
    readonly waking: boolean;
    readonly label: string;
    cancelled: boolean;
    inQueue: boolean;
}
export interface ScheduleOptions {
    readonly owner?: EventOwner | null;
    /** Default true: the event may run code of the program (drain continuations after it). */
    readonly waking?: boolean;
    /** A short name for diagnostics (not traced by the scheduler). */
    readonly label?: string;
}
export interface RunOptions {
    /** Run events due at or before this virtual time; then time stands at `untilMs`. */
    readonly untilMs?: number;
    /** Stop after running this many events (a livelock bound). */
    readonly maxEvents?: number;
    /** Checked before each event (after the previous one's continuations ran): true stops the run. */
    readonly stopWhen?: () => boolean;
}
export type RunStopReason = 'idle' | 'until' | 'max_events' | 'stopped' | 'failed';
export interface RunOutcome {
    readonly reason: RunStopReason;
    /** Events run by this call. */
    readonly events: number;
    readonly nowMs: number;
    /** The error of a failed run. */
    readonly error?: unknown;
    /** The label of the event that threw, for a failed run. */
    readonly failedEvent?: string;
}
export type ErrorDecision = 'stop' | 'continue';
/** Every this many drains, the loop yields to the real event loop (see `drain`). */
export declare const SCHEDULER_DRAINS_PER_MACROTASK = 1024;
export declare class Scheduler {
    private heap;
    private seqNext;
    private now;
    private cancelledQueued;
    private running;
    private stopRequested;
    private wakeRequested;
    /** Events run over the scheduler's life. */
    eventsRun: number;
    /** Times the loop yielded to drain promise continuations. */
    drains: number;
    /** Decides what a throwing event does to the run (default: stop). */
    onError: (event: SimEvent, error: unknown) => ErrorDecision;
    /** Current virtual time in ms (a multiple of 1/1024). */
    get nowMs(): number;
    /** Whether `run` is in progress. */
    get isRunning(): boolean;
    /** Events queued and not cancelled. */
    get queued(): number;
    /** Virtual time of the next live event, or null when none is queued. */
    nextEventMs(): number | null;
    /** Schedules `fn` after `delayMs` (rounded up to the time grid). */
    after(delayMs: number, fn: () => void, options?: ScheduleOptions): SimEvent;
    /** Schedules `fn` at virtual time `timeMs` (not before now; rounded up to the grid). */
    at(timeMs: number, fn: () => void, options?: ScheduleOptions): SimEvent;
    /** Cancels a queued event (a no-op if it already ran or was cancelled). */
    cancel(event: SimEvent): void;
    /**
     * Puts back an event its owner deferred while paused: it runs at the current time, after the
     * events already due now, keeping the order of requeue calls.
     */
    requeue(event: SimEvent): void;
    /** Asks the loop to drain promise continuations after the current event. */
    wake(): void;
    /** Asks a running loop to return after the current event. */
    stop(): void;
    /** Runs events until a stop condition; see `RunStopReason`. */
    run(options?: RunOptions): Promise<RunOutcome>;
    /**
     * Lets every promise continuation queued by the event run before the next event. Node runs
     * a process.nextTick callback queued from inside a microtask only once V8's microtask queue
     * is empty, including the microtasks those microtasks queue. So: `await null` puts the loop
     * inside a microtask, the nextTick callback then fires after the whole chain, and its
     * `resolve` queues the loop's continuation behind everything (measured: ~10x cheaper than a
     * turn of the event loop). Program code must not use process.nextTick itself (its ticks
     * could run after the loop resumes); the ports never do. Every
     * SCHEDULER_DRAINS_PER_MACROTASK drains the loop takes a full setImmediate turn instead, so
     * the real event loop (test runner timeouts, I/O) is never starved; that turn drains a
     * superset of the same queues, so the order of the run does not change.
     */
    private drain;
    private push;
    private pop;
    private siftDown;
    private dropCancelledHead;
    /** Rebuilds the heap without cancelled events once they are most of it (many cancelled timers). */
    private maybeCompact;
}
