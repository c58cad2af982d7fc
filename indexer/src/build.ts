/**
 * The processor as it runs in production: src/main.ts bundled by esbuild into lib/main.js, with
 * everything it loads but pg (the shared contracts module, ethers, Subsquid, TypeORM), so that a
 * start reads one file instead of compiling TypeScript and resolving several hundred modules
 * (about 0.5 s of CPU less per start; BENCHMARKS.md), and with evm-processor's data classes
 * taken from src/subsquid/evm-entities.ts (fasterEvmEntities). lib/start.js turns on Node's
 * compile cache and loads it.
 *
 *   npm run build -w indexer            (npm run process builds first, when something changed)
 *
 * The bundle is rebuilt when any source it comes from is newer than it; it is written beside and
 * renamed into place, so concurrent starts never run a half-written file.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Plugin } from "esbuild";
import type { SpeedPatches } from "./runner.js";
import { fasterEvmEntities } from "./subsquid/index.js";

const indexerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const processorBundle = path.join(indexerRoot, "lib", "main.js");
/**
 * What runs: turns on Node's compile cache (lib/.compile-cache), then loads the bundle, so that a
 * restart reuses the bytecode of the bundle and of the packages it loads (about 0.1 s less).
 */
export const processorEntry = path.join(indexerRoot, "lib", "start.js");
const START_JS = `// Written by src/build.ts.
import { enableCompileCache } from "node:module";
import { fileURLToPath } from "node:url";
enableCompileCache?.(fileURLToPath(new URL(".compile-cache", import.meta.url)));
await import("./main.js");
`;

/**
 * Loaded from node_modules at run time rather than bundled: pg (and what it may load), and the
 * database drivers TypeORM would load for databases other than Postgres, which are not installed.
 */
const EXTERNAL = [
  "pg",
  "pg-copy-streams",
  "pg-native",
  "pg-query-stream",
  "mysql",
  "mysql2",
  "oracledb",
  "sqlite3",
  "better-sqlite3",
  "sqlite",
  "sql.js",
  "mssql",
  "mongodb",
  "redis",
  "ioredis",
  "@sap/hana-client",
  "hdb-pool",
  "typeorm-aurora-data-api-driver",
  "react-native-sqlite-storage",
  "@google-cloud/spanner",
  "@capacitor-community/sqlite",
  "expo-sqlite",
  "ts-node",
];

const SOURCES = [
  path.join(indexerRoot, "src"),
  path.join(indexerRoot, "..", "contracts", "src"),
  path.join(indexerRoot, "..", "crypto", "src"),
  path.join(indexerRoot, "package.json"),
  // The bundle holds the packages' code too: an install that changed them changed the lockfile.
  path.join(indexerRoot, "..", "package-lock.json"),
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
  if (!built || !(await stat(processorEntry).catch(() => undefined))) return true;
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

export interface BuildOptions {
  force?: boolean;
  /**
   * For the benchmark that prices the speed-only patches (`MODE=patches npm run bench:indexer`): a bundle
   * with some of them off, written to `outDir` (lib/ by default) and always rebuilt.
   */
  variant?: { outDir: string; evmEntities: boolean; speedPatches: SpeedPatches };
}

/** Builds lib/main.js (or a variant's); returns whether it was (re)built. */
export async function buildProcessor(options: BuildOptions = {}): Promise<boolean> {
  const variant = options.variant;
  if (!variant && !options.force && !(await processorBundleStale())) return false;
  const outDir = variant?.outDir ?? path.dirname(processorBundle);
  const bundle = path.join(outDir, "main.js");
  const staging = path.join(outDir, `.build-${process.pid}`);
  const esbuild = await import("esbuild");
  await mkdir(staging, { recursive: true });
  try {
    await esbuild.build({
      // What `node src/main.ts` does, as the bundle's entry.
      stdin: {
        contents: [
          'import { createBatchHandler } from "./src/main.ts";',
          'import { runIndexerCli } from "./src/runner.ts";',
          `process.exit(await runIndexerCli(createBatchHandler, process.env, undefined, ${JSON.stringify(variant?.speedPatches ?? {})}));`,
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
      // CommonJS packages inside an ES module bundle still call require() and read __dirname.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; import { fileURLToPath as __fileURLToPath } from 'node:url'; const require = __createRequire(import.meta.url); const __filename = __fileURLToPath(import.meta.url); const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
      },
      plugins: variant?.evmEntities === false ? [keepModuleLocations] : [keepModuleLocations, fasterEvmEntities()],
      sourcemap: "linked",
      logLevel: "warning",
    });
    await writeFile(path.join(staging, "start.js"), START_JS);
    await rename(path.join(staging, "main.js.map"), `${bundle}.map`);
    await rename(path.join(staging, "main.js"), bundle);
    await rename(path.join(staging, "start.js"), path.join(outDir, "start.js"));
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
