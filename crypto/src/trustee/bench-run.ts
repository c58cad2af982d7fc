import { parseArgs } from "node:util";
import { tallyBenchmark } from "./bench.js";

// npm run trustee:bench -w crypto -- [--ballots N] [--workers W]: prints the result as JSON on stdout.
const { values } = parseArgs({
  options: { ballots: { type: "string" }, workers: { type: "string" }, choices: { type: "string" } },
});
const num = (v: string | undefined, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`--${name}: must be a positive integer`);
  return Number(v);
};
const result = await tallyBenchmark({
  ballots: num(values.ballots, "ballots", 1_000_000),
  workers: num(values.workers, "workers", 2),
  choices: num(values.choices, "choices", 4),
  onProgress: (m) => process.stderr.write(`bench: ${m}\n`),
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
