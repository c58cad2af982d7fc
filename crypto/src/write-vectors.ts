/** `npm run vectors -w crypto`: writes crypto/vectors/ballot.json (see vectors.ts). */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadSodiumOps } from "./sodium.js";
import { generateBallotVectors } from "./vectors.js";

const out = fileURLToPath(new URL("../vectors/ballot.json", import.meta.url));
mkdirSync(fileURLToPath(new URL("../vectors/", import.meta.url)), { recursive: true });
const vectors = generateBallotVectors(await loadSodiumOps());
writeFileSync(out, `${JSON.stringify(vectors, null, 2)}\n`);
console.log(`wrote ${out}: ${vectors.positive.length} ballots, ${vectors.negative.length} negative vectors`);
