/** Reads compiled artifacts (ABI and bytecode) produced by `npm run build -w contracts`. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NonRetryableError } from "./errors.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const files = {
  VoteRegistry: "artifacts/contracts/VoteRegistry.sol/VoteRegistry.json",
  ReferenceVoteStore: "artifacts/contracts/reference/ReferenceVoteStore.sol/ReferenceVoteStore.json",
} as const;

export type ContractName = keyof typeof files;

export interface Artifact {
  contractName: string;
  abi: unknown[];
  bytecode: string;
}

export async function loadArtifact(name: ContractName): Promise<Artifact> {
  const file = path.join(root, files[name]);
  try {
    return JSON.parse(await readFile(file, "utf8")) as Artifact;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NonRetryableError("not_compiled", `${file} is missing: run \`npm run build -w contracts\` first`);
    }
    throw error;
  }
}
