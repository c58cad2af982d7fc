/**
 * The processor as it runs in production: src/main.ts bundled by esbuild into lib/main.js (with
 * the shared contracts module, ethers and Subsquid's processor libraries), so that a start loads
 * one file instead of compiling TypeScript and resolving a few hundred modules (about 0.5 s of CPU
 * less per start; BENCHMARKS.md). TypeORM, the store and pg stay outside the bundle: the models
 * and the store must share one TypeORM.
 *
 *   npm run build -w indexer            (npm run process builds first, when something changed)
 *
 * The bundle is rebuilt when any source it comes from is newer than it; it is written beside and
 * renamed into place, so concurrent starts never run a half-written file.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Plugin } from "esbuild";

const indexerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const processorBundle = path.join(indexerRoot, "lib", "main.js");

/** Packages loaded from node_modules at run time rather than bundled. */
const EXTERNAL = [
  "typeorm",
  "@subsquid/typeorm-store",
  "@subsquid/typeorm-config",
  "pg",
  "pg-copy-streams",
  "pg-native",
];

const SOURCES = [
  path.join(indexerRoot, "src"),
  path.join(indexerRoot, "..", "contracts", "src"),
  path.join(indexerRoot, "package.json"),
  path.join(indexerRoot, "tsconfig.json"),
  fileURLToPath(import.meta.url),
];

async function newestChange(target: string): Promise<number> {
  const info = await stat(target).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(target)) {
    if (entry.endsWith(".test.ts") || entry === "testing" || entry === "testing.ts") continue;
    newest = Math.max(newest, await newestChange(path.join(target, entry)));
  }
  return newest;
}

/** True when lib/main.js is missing or older than a source it is built from. */
export async function processorBundleStale(): Promise<boolean> {
  const built = await stat(processorBundle).catch(() => undefined);
  if (!built) return true;
  let newest = 0;
  for (const source of SOURCES) newest = Math.max(newest, await newestChange(source));
  return newest > built.mtimeMs;
}

/**
 * Our modules find files next to them through import.meta.url (the contracts module its ABI and
 * deployments, db.ts the migrations): in the bundle each keeps the URL of its source file.
 */
const keepModuleLocations: Plugin = {
  name: "keep-module-locations",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, "utf8");
      return {
        contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
        loader: "ts",
      };
    });
  },
};

/** Builds lib/main.js; returns whether it was (re)built. */
export async function buildProcessor(options: { force?: boolean } = {}): Promise<boolean> {
  if (!options.force && !(await processorBundleStale())) return false;
  const esbuild = await import("esbuild");
  const staging = path.join(path.dirname(processorBundle), `.build-${process.pid}`);
  await mkdir(staging, { recursive: true });
  try {
    await esbuild.build({
      // What `node src/main.ts` does, as the bundle's entry.
      stdin: {
        contents: [
          'import { createBatchHandler } from "./src/main.ts";',
          'import { runIndexerCli } from "./src/runner.ts";',
          "process.exit(await runIndexerCli(createBatchHandler));",
        ].join("\n"),
        resolveDir: indexerRoot,
        sourcefile: "lib-main.ts",
        loader: "ts",
      },
      outfile: path.join(staging, "main.js"),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      // The models use TypeScript's legacy decorators (tsconfig.json); esbuild reads them from it.
      tsconfig: path.join(indexerRoot, "tsconfig.json"),
      external: EXTERNAL.flatMap((name) => [name, `${name}/*`]),
      // CommonJS packages inside an ES module bundle still call require().
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      plugins: [keepModuleLocations],
      sourcemap: "linked",
      logLevel: "warning",
    });
    await rename(path.join(staging, "main.js.map"), `${processorBundle}.map`);
    await rename(path.join(staging, "main.js"), processorBundle);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const built = await buildProcessor({ force: process.argv.includes("--force") });
  console.log(
    built
      ? `indexer: built ${path.relative(process.cwd(), processorBundle)} in ${Math.round(performance.now() - started)} ms`
      : `indexer: ${path.relative(process.cwd(), processorBundle)} is up to date`,
  );
}
