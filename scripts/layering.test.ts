/**
 * The packages talk through their package.json `exports` only (ponder's layering test is the
 * model): no source file imports another workspace's files by a relative path or by a deep
 * `@veritally/x/src/...` specifier, and the root's own folders (scripts, e2e, bench, test-helpers)
 * reach the workspaces through their exports too. Shared test setup in test-helpers/ is the one
 * place every package's tests may import by path.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./lib/stack.js";

const WORKSPACES = ["contracts", "relayer", "indexer", "portal", "crypto"];
const ROOT_FOLDERS = ["scripts", "e2e", "bench", "test-helpers"];
const SOURCE = /\.(ts|mts|mjs|astro)$/;
const SKIP = new Set(["node_modules", "dist", "artifacts", "cache", "coverage", ".astro", "generated", "lib"]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    // indexer/lib is the processor's build output; generated code is not ours to lay out.
    if (entry.isDirectory()) {
      if (!(SKIP.has(entry.name) && !(entry.name === "lib" && dir.endsWith("scripts")))) out.push(...sourceFiles(full));
    } else if (SOURCE.test(entry.name)) out.push(full);
  }
  return out;
}

/** Every module specifier in a file: static imports and exports, dynamic imports. */
function specifiersOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) {
    if (m[1]) found.push(m[1]);
  }
  return found;
}

/** The folder a file belongs to: a workspace, or "root" for the root's own folders. */
function ownerOf(file: string): string {
  const first = path.relative(repoRoot, file).split(path.sep)[0] ?? "";
  return WORKSPACES.includes(first) ? first : "root";
}

function violationsOf(file: string, text: string): string[] {
  const owner = ownerOf(file);
  const out: string[] = [];
  for (const spec of specifiersOf(text)) {
    if (/^@veritally\/[^/]+\/src(\/|$)/.test(spec)) {
      out.push(`${spec}: another package's src/ (use its exports)`);
      continue;
    }
    if (!spec.startsWith(".")) continue;
    const target = path.relative(repoRoot, path.resolve(path.dirname(file), spec));
    const first = target.split(path.sep)[0] ?? "";
    if (first === "test-helpers") continue;
    const targetOwner = WORKSPACES.includes(first) ? first : "root";
    if (targetOwner !== owner) out.push(`${spec}: reaches into ${first}/ by path (use @veritally/${first}'s exports)`);
  }
  return out;
}

describe("layering", () => {
  it("finds a reach into another package, and lets imports inside a package and into test-helpers be", () => {
    const file = path.join(repoRoot, "portal/src/lib/x.ts");
    expect(violationsOf(file, 'import { a } from "../../../relayer/src/services/stats.js";')).toHaveLength(1);
    expect(violationsOf(file, 'const m = await import("@veritally/relayer/src/db/migrate.js");')).toHaveLength(1);
    expect(violationsOf(file, 'import { b } from "./data.js";\nimport "../../../test-helpers/postgres.js";')).toEqual(
      [],
    );
    expect(
      violationsOf(path.join(repoRoot, "scripts/lib/y.ts"), 'export { c } from "../../portal/src/lib/z.js";'),
    ).toHaveLength(1);
  });

  it("holds for every source file of the repository", () => {
    // This file's own examples above are the one place such imports may stand.
    const self = path.join(repoRoot, "scripts/layering.test.ts");
    const files = [...WORKSPACES, ...ROOT_FOLDERS]
      .flatMap((dir) => sourceFiles(path.join(repoRoot, dir)))
      .filter((file) => file !== self);
    expect(files.length).toBeGreaterThan(100);
    const violations = files.flatMap((file) =>
      violationsOf(file, readFileSync(file, "utf8")).map((v) => `${path.relative(repoRoot, file)}: ${v}`),
    );
    expect(violations).toEqual([]);
  });
});
