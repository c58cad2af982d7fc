import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { makeTrusteeVectors } from "./vectors.js";

// npm run trustee:vectors -w crypto: (re)writes crypto/vectors/trustee.json from the fixed seed.
const dir = fileURLToPath(new URL("../../vectors/", import.meta.url));
mkdirSync(dir, { recursive: true });
const path = `${dir}trustee.json`;
writeFileSync(path, `${JSON.stringify(makeTrusteeVectors(), null, 2)}\n`);
process.stderr.write(`wrote ${path}\n`);
