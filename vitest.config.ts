import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Files share their worker's process (its module cache): importing the SDK clients, fastify and the
    // reconcilers once per worker, not once per file, was 72 s of a 278 s suite. A file that changes
    // process-wide state puts it back (test/moto/world.ts's startFileMoto restores the SDK's variables).
    isolate: false,
    // Three workers on two cores: most files wait on timers, sockets and child processes (the suite used
    // about one core with two workers), so a third keeps both cores busy. Measured on 2 cores: 2 workers
    // 241 s, 3 workers 173 s, every test passing in both.
    maxWorkers: 3,
  },
});
