// The Node flags the daemon runs with, wherever it runs: `npm start` (package.json), the image
// (deploy/docker/Dockerfile's CMD) and the benchmarks' operator (bench/run.ts). A flag that sizes the
// heap must be on the command line: V8 reads it when it creates the heap (v8.setFlagsFromString after
// start-up changes nothing). test/deploy/image.test.ts checks that package.json and the Dockerfile carry
// these.
//
// --max-semi-space-size=16: the young generation's semi-spaces stop at 16 MB (V8 sizes them from the
// machine's memory: 64 MB on a 24 GiB machine). Loading the ten SDK clients grows them to the maximum, and
// V8 keeps those pages: the compiled daemon sat at 297 MB RSS before its first pass, 177 MB with this flag
// (bench steady-state, 2,000 projects in 2,000 accounts: peak RSS 395 → 287 MB, CPU a pass 6.7 → 7.2 ms).
export const DAEMON_NODE_FLAGS = ["--max-semi-space-size=16"] as const;
