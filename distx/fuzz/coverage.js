// The coverage signal: V8's own precise block coverage through node:inspector (Jazzer.js does
// not load on this machine's glibc). An input is worth keeping when it makes the decoder run a
// block it never ran, or run a block a new number of times (AFL-style count buckets), so the
// corpus grows toward the code's corners instead of toward random noise.
//
// How: an in-process inspector `Session`; `Profiler.startPreciseCoverage({ callCount: true,
// detailed: true })`; `Profiler.takePreciseCoverage` returns, for every function that ran since
// the last take, its block ranges with execution counts, and resets the counters. On the same
// thread `session.post` runs the command and calls its callback before returning, so the
// fuzzer stays synchronous (asserted: a callback that did not run is an error).
//
// V8 reports a block only when its count differs from its parent's, and the split of ranges
// changes between takes, so ranges are not stable keys. Instead we learn the block start
// offsets of each function as they appear (a catalog) and, on each take, give every known
// point of every function that ran its effective count (the count of the innermost reported
// range containing it). A feature is (script, point, log2 bucket of that count). Only scripts
// under test are looked at (core/, drivers/, the msgpack library and the fuzz targets
// themselves), not the fuzzer or the test runner.
import { Session } from 'node:inspector';
/** Distinct (script, point, bucket) features remembered; beyond it, no new feature is counted. */
export const COVERAGE_FEATURES_MAX = 1_000_000;
/** Which scripts count: the decoders and what they call, not the fuzzer or the test runner. */
export function defaultCoverageScope(url) {
    if (url === '' || url.startsWith('node:'))
        return false;
    if (/\.test\.[jt]s/.test(url))
        return false;
    if (url.includes('/node_modules/'))
        return url.includes('/node_modules/@msgpack/');
    return /\/(core|drivers)\//.test(url) || /\/fuzz\/(targets|planted)\//.test(url);
}
export class CoverageTracker {
    inScope;
    session = null;
    /** Known block start points per function, keyed by "url#functionStart". */
    catalog = new Map();
    /** (point, count bucket) features seen. */
    features = new Set();
    /** Points seen run at least once (features without their bucket). */
    points = new Set();
    constructor(inScope = defaultCoverageScope) {
        this.inScope = inScope;
    }
    /** Starts precise block coverage. Scripts compiled later are instrumented too. */
    start() {
        if (this.session !== null)
            return;
        const session = new Session();
        session.connect();
        this.session = session;
        this.post('Profiler.enable');
        this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    }
    stop() {
        if (this.session === null)
            return;
        try {
            this.post('Profiler.stopPreciseCoverage');
            this.post('Profiler.disable');
        }
        finally {
            this.session.disconnect();
            this.session = null;
        }
    }
    get featureCount() {
        return this.features.size;
    }
    /** Discards the counts gathered since the last take. */
    reset() {
        this.post('Profiler.takePreciseCoverage');
    }
    /**
     * Takes the coverage since the last take and returns the features not seen before. With
     * `commit` they are remembered (later takes will not report them again). With `pointsOnly`
     * the features are bare points (no count bucket): what a batch of inputs can tell.
     */
    takeNewFeatures(commit, pointsOnly = false) {
        const result = this.post('Profiler.takePreciseCoverage');
        const taken = [];
        for (const script of result.result) {
            if (!this.inScope(script.url))
                continue;
            for (const fn of script.functions)
                this.functionFeatures(script.url, fn, taken, pointsOnly);
        }
        const known = pointsOnly ? this.points : this.features;
        const fresh = taken.filter((feature) => !known.has(feature));
        if (commit)
            this.commit(fresh);
        return fresh;
    }
    /** Remembers features (and their points), e.g. once a batch's novelty is attributed. */
    commit(features) {
        for (const feature of features) {
            if (this.features.size >= COVERAGE_FEATURES_MAX)
                return;
            const bucketAt = feature.lastIndexOf(':');
            if (bucketAt > feature.lastIndexOf('@')) {
                this.features.add(feature);
                this.points.add(feature.slice(0, bucketAt));
            }
            else {
                this.points.add(feature);
            }
        }
    }
    has(feature) {
        return this.features.has(feature);
    }
    functionFeatures(url, fn, out, pointsOnly) {
        const root = fn.ranges[0];
        if (root === undefined || root.count === 0)
            return;
        const key = `${url}#${root.startOffset}`;
        let points = this.catalog.get(key);
        if (points === undefined) {
            points = [root.startOffset];
            this.catalog.set(key, points);
        }
        for (let i = 1; i < fn.ranges.length; i += 1) {
            const start = fn.ranges[i].startOffset;
            if (!points.includes(start))
                points.push(start);
        }
        for (const point of points) {
            // Ranges come parents first, so the last one containing the point is the innermost.
            let count = 0;
            for (const range of fn.ranges) {
                if (range.startOffset <= point && point < range.endOffset)
                    count = range.count;
            }
            if (count > 0)
                out.push(pointsOnly ? `${key}@${point}` : `${key}@${point}:${countBucket(count)}`);
        }
    }
    post(method, params) {
        const session = this.session;
        if (session === null)
            throw new Error('coverage session not started');
        let done = false;
        let failure = null;
        let answer;
        session.post(method, params, (error, result) => {
            done = true;
            failure = error;
            answer = result;
        });
        if (!done)
            throw new Error(`inspector command ${method} did not complete synchronously`);
        if (failure !== null)
            throw failure;
        return answer;
    }
}
/** AFL-style buckets: 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+. */
export function countBucket(count) {
    if (count <= 3)
        return count;
    if (count < 8)
        return 4;
    if (count < 16)
        return 5;
    if (count < 32)
        return 6;
    if (count < 128)
        return 7;
    return 8;
}
//# sourceMappingURL=coverage.js.map