import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      ...["contracts", "relayer", "indexer", "portal", "crypto"].map((name) => ({
        extends: true,
        test: { name, root: `./${name}`, include: ["**/*.test.ts"], exclude: ["**/node_modules/**", "**/dist/**"] },
      })),
      // The whole system: the start command's parts, the end-to-end proof and the fault drills.
      {
        extends: true,
        test: {
          name: "system",
          root: ".",
          include: ["scripts/**/*.test.ts", "e2e/**/*.test.ts", "test-helpers/**/*.test.ts"],
        },
      },
    ],
    coverage: {
      provider: "v8",
      // The product code of the three services; generated code and test setup are not ours to count.
      // Vitest matches these against each file's path relative to each project's root: "src/**"
      // catches a service's files from its own project, the repository-relative globs from the
      // "system" project (root ".").
      include: ["src/**/*.ts", "relayer/src/**/*.ts", "indexer/src/**/*.ts", "portal/src/**/*.ts"],
      exclude: [
        "**/*.test.ts",
        "**/testing/**",
        "**/testing.ts",
        "**/*.scratch.ts",
        "**/indexer/src/model/generated/**",
        "**/indexer/src/abi/**",
      ],
      // The floor each service keeps: Vitest fails the run and names the glob that fell short.
      // Globs are matched against paths relative to the repository root.
      thresholds: {
        "relayer/src/**": { lines: 90 },
        "indexer/src/**": { lines: 90 },
        "portal/src/**": { lines: 90 },
      },
      reporter: ["json", "text-summary"],
      reportsDirectory: "coverage",
    },
    // VERITALLY_CLOCK_OFFSET_DAYS=365 moves the wall clock of the tests (and the processes they
    // start) a year ahead: `npm run test:year-ahead`.
    setupFiles: [fileURLToPath(new URL("./test-helpers/clock-offset.mjs", import.meta.url))],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
