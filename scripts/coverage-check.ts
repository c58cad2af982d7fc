/**
 * Line coverage of the three services (relayer, indexer, portal), from Vitest's
 * coverage/coverage-final.json: prints a table and fails below the floor (90% of lines).
 * Generated code (models, ABI typings) and test setup are not counted.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TARGET = 90;
const SERVICES = ["relayer", "indexer", "portal"] as const;
/** The floor each service must keep; COVERAGE_FLOOR overrides all of them. */
const FLOORS: Record<(typeof SERVICES)[number], number> = { relayer: TARGET, indexer: TARGET, portal: TARGET };
const floorOf = (service: (typeof SERVICES)[number]) =>
  process.env.COVERAGE_FLOOR ? Number(process.env.COVERAGE_FLOOR) : FLOORS[service];
const IGNORED = [/\.test\.ts$/, /\/testing(\/|\.ts$)/, /\.scratch\.ts$/, /\/model\/generated\//, /indexer\/src\/abi\//];

interface FileCoverage {
  statementMap: Record<string, { start: { line: number }; end: { line: number } }>;
  s: Record<string, number>;
}

const data = JSON.parse(await readFile(path.join(root, "coverage/coverage-final.json"), "utf8")) as Record<
  string,
  FileCoverage
>;
let failed = false;
console.log("service    lines covered / total     %   floor");
for (const service of SERVICES) {
  const prefix = path.join(root, service, "src") + path.sep;
  let covered = 0;
  let total = 0;
  for (const [file, cov] of Object.entries(data)) {
    if (!file.startsWith(prefix) || IGNORED.some((re) => re.test(file))) continue;
    // A line counts as covered when every statement starting on it ran.
    const lines = new Map<number, boolean>();
    for (const [id, loc] of Object.entries(cov.statementMap)) {
      const line = loc.start.line;
      lines.set(line, (lines.get(line) ?? true) && (cov.s[id] ?? 0) > 0);
    }
    total += lines.size;
    covered += [...lines.values()].filter(Boolean).length;
  }
  const pct = total === 0 ? 0 : (covered / total) * 100;
  const floor = floorOf(service);
  if (pct < floor) failed = true;
  const note = pct < TARGET ? `  (below the ${TARGET}% target)` : "";
  console.log(
    `${service.padEnd(10)} ${String(covered).padStart(7)} / ${String(total).padEnd(9)} ${pct.toFixed(1).padStart(5)}   ${floor}${note}`,
  );
}
if (failed) {
  console.error("line coverage below its floor in at least one service");
  process.exit(1);
}
