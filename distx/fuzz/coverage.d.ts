/** Distinct (script, point, bucket) features remembered; beyond it, no new feature is counted. */
export declare const COVERAGE_FEATURES_MAX = 1000000;
/** Which scripts count: the decoders and what they call, not the fuzzer or the test runner. */
export declare function defaultCoverageScope(url: string): boolean;
export declare class CoverageTracker {
    private readonly inScope;
    private session;
    /** Known block start points per function, keyed by "url#functionStart". */
    private readonly catalog;
    /** (point, count bucket) features seen. */
    private readonly features;
    /** Points seen run at least once (features without their bucket). */
    private readonly points;
    constructor(inScope?: (url: string) => boolean);
    /** Starts precise block coverage. Scripts compiled later are instrumented too. */
    start(): void;
    stop(): void;
    get featureCount(): number;
    /** Discards the counts gathered since the last take. */
    reset(): void;
    /**
     * Takes the coverage since the last take and returns the features not seen before. With
     * `commit` they are remembered (later takes will not report them again). With `pointsOnly`
     * the features are bare points (no count bucket): what a batch of inputs can tell.
     */
    takeNewFeatures(commit: boolean, pointsOnly?: boolean): string[];
    /** Remembers features (and their points), e.g. once a batch's novelty is attributed. */
    commit(features: readonly string[]): void;
    has(feature: string): boolean;
    private functionFeatures;
    private post;
}
/** AFL-style buckets: 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+. */
export declare function countBucket(count: number): number;
