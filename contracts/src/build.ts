/**
 * Compiles the contracts (`hardhat build`) when their artifacts are missing or older than a
 * Solidity source or the Hardhat config: what `./veritally setup`, `./veritally start` and
 * `npm run deploy` run first, so that a fresh clone needs no manual `npm run build -w contracts`.
 * Builds of one tree run one at a time (a lock folder under cache/), and the check is repeated
 * under the lock, so concurrent starts compile once.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { withDirectoryLock } from "./lock.js";

export const contractsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The artifacts the TypeScript side reads (src/artifacts.ts). */
export const ARTIFACTS = [
  "artifacts/contracts/VoteRegistry.sol/VoteRegistry.json",
  "artifacts/contracts/reference/ReferenceVoteStore.sol/ReferenceVoteStore.json",
] as const;

function newestSolidity(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSolidity(full));
    else if (e.name.endsWith(".sol")) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Why the artifacts must be (re)built, or undefined when they are fresh. */
export function contractsStaleReason(root: string = contractsRoot): string | undefined {
  const sources = Math.max(
    newestSolidity(path.join(root, "contracts")),
    statSync(path.join(root, "hardhat.config.ts")).mtimeMs,
  );
  for (const artifact of ARTIFACTS) {
    const file = path.join(root, artifact);
    if (!existsSync(file)) return `${artifact} is missing`;
    if (statSync(file).mtimeMs < sources) return `${artifact} is older than the sources`;
  }
  return undefined;
}

/**
 * Builds the contracts of `root` (default: this package) unless their artifacts are fresh.
 * Returns whether it compiled. `onProgress` hears why it builds.
 */
export async function ensureContractsBuilt(
  options: { root?: string; onProgress?: (message: string) => void } = {},
): Promise<boolean> {
  const root = options.root ?? contractsRoot;
  if (contractsStaleReason(root) === undefined) return false;
  return withDirectoryLock(path.join(root, "cache", "veritally-build.lock"), async () => {
    const reason = contractsStaleReason(root);
    if (reason === undefined) return false;
    options.onProgress?.(`compiling the contracts (${reason})`);
    const hardhat = createRequire(path.join(root, "package.json")).resolve("hardhat/package.json");
    const cli = path.join(path.dirname(hardhat), "dist", "src", "cli.js");
    try {
      await promisify(execFile)(process.execPath, [cli, "build", "--quiet"], {
        cwd: root,
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`hardhat build failed in ${root}: ${e.stderr || e.stdout || e.message}`);
    }
    // Hardhat rewrites only the artifacts whose inputs changed (its cache keeps content hashes):
    // after editing one contract the others keep their old times. The build has just declared
    // every artifact current, so their times say so too.
    const now = new Date();
    for (const artifact of ARTIFACTS) {
      const file = path.join(root, artifact);
      if (existsSync(file)) utimesSync(file, now, now);
    }
    const still = contractsStaleReason(root);
    if (still !== undefined) throw new Error(`hardhat build ran but ${still}`);
    return true;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await ensureContractsBuilt({ onProgress: (m) => console.log(`contracts: ${m}`) });
  if (!built) console.log("contracts: artifacts are up to date");
}
