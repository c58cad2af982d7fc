/** `npm run credentials:vectors -w crypto`: (re)writes crypto/vectors/credentials.json (see vectors.ts). */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { makeCredentialVectors } from "./vectors.js";

const out = fileURLToPath(new URL("../../vectors/credentials.json", import.meta.url));
const vectors = await makeCredentialVectors();
writeFileSync(out, `${JSON.stringify(vectors, null, 2)}\n`);
process.stderr.write(`wrote ${out}: ${vectors.codes.length} codes, ${vectors.badBallots.length} refused ballots\n`);
