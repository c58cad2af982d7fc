import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["contracts", "relayer", "indexer", "portal"].map((name) => ({
      extends: true,
      test: { name, root: `./${name}`, include: ["**/*.test.ts"], exclude: ["**/node_modules/**", "**/dist/**"] },
    })),
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
