import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      ...["contracts", "relayer", "indexer", "portal"].map((name) => ({
        extends: true,
        test: { name, root: `./${name}`, include: ["**/*.test.ts"], exclude: ["**/node_modules/**", "**/dist/**"] },
      })),
      // The whole system: the start command's parts, the end-to-end proof and the fault drills.
      { extends: true, test: { name: "system", root: ".", include: ["scripts/**/*.test.ts", "e2e/**/*.test.ts"] } },
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
