import type { Ciphertext } from "../elgamal.js";
import { IDENTITY, type Point } from "../group.js";
import type { Check } from "./ceremony.js";

/**
 * A running aggregate: per choice, the product of the α and of the β of every ballot added. A verifier keeps one
 * per worker as it checks ballots (2·c point additions per ballot) and merges them at the close.
 */
export interface Aggregator {
  add(ballot: readonly Ciphertext[]): void;
  merge(other: readonly Ciphertext[], ballots: number): void;
  readonly ballots: number;
  result(): Ciphertext[];
}

export function createAggregator(choices: number): Aggregator {
  if (!Number.isInteger(choices) || choices < 1) throw new RangeError("choices: must be a positive integer");
  const alphas: Point[] = Array.from({ length: choices }, () => IDENTITY);
  const betas: Point[] = Array.from({ length: choices }, () => IDENTITY);
  let count = 0;
  const addAll = (cts: readonly Ciphertext[], field: string) => {
    if (cts.length !== choices) throw new RangeError(`${field}: ${cts.length} choices, expected ${choices}`);
    for (let j = 0; j < choices; j++) {
      const ct = cts[j];
      if (ct === undefined) continue;
      alphas[j] = (alphas[j] ?? IDENTITY).add(ct.alpha);
      betas[j] = (betas[j] ?? IDENTITY).add(ct.beta);
    }
  };
  return {
    add(ballot) {
      addAll(ballot, `ballots[${count}]`);
      count++;
    },
    merge(other, ballots) {
      addAll(other, "merged aggregate");
      count += ballots;
    },
    get ballots() {
      return count;
    },
    result: () => alphas.map((alpha, j) => ({ alpha, beta: betas[j] ?? IDENTITY })),
  };
}

/** The aggregate of a list of ballots' ciphertexts: per choice, the product of the α and of the β. */
export function aggregateBallots(ballots: readonly (readonly Ciphertext[])[], choices: number): Ciphertext[] {
  const aggregator = createAggregator(choices);
  for (const b of ballots) aggregator.add(b);
  return aggregator.result();
}

export function verifyAggregate(ballots: readonly (readonly Ciphertext[])[], aggregate: readonly Ciphertext[]): Check {
  const expected = aggregateBallots(ballots, aggregate.length);
  for (let j = 0; j < aggregate.length; j++) {
    const a = aggregate[j];
    const e = expected[j];
    if (a === undefined || e === undefined || !a.alpha.equals(e.alpha) || !a.beta.equals(e.beta))
      return { ok: false, reason: `aggregate, choice ${j}: not the product of the ballots' ciphertexts` };
  }
  return { ok: true };
}
