/**
 * Deployment files: `deployments/<chainId>.json`, written by the deploy command and read by the
 * relayer, the indexer and the portal to find the registry.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress } from "ethers";
import { NonRetryableError } from "./errors.js";

export interface Deployment {
  contract: "VoteRegistry";
  chainId: number;
  address: string;
  /** Block of the deployment transaction: where an indexer starts. */
  deploymentBlock: number;
  transactionHash: string;
  deployer: string;
  deployedAt: string;
  roles: { admin: string; electionManagers: string[]; recorders: string[]; pausers: string[] };
}

/** `contracts/deployments`, or `VERITALLY_DEPLOYMENTS_DIR`. */
export function deploymentsDir(): string {
  return (
    process.env.VERITALLY_DEPLOYMENTS_DIR ??
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "deployments")
  );
}

export function deploymentPath(chainId: number, dir = deploymentsDir()): string {
  return path.join(dir, `${chainId}.json`);
}

export class DeploymentNotFoundError extends NonRetryableError {
  constructor(file: string) {
    super("deployment_not_found", `no deployment file at ${file}: deploy first (npm run deploy -w contracts)`);
  }
}

function invalid(file: string, what: string): NonRetryableError {
  return new NonRetryableError("deployment_invalid", `${file}: ${what}`);
}

/** Validates the parsed JSON of a deployment file, naming the first bad field. */
export function parseDeployment(raw: unknown, file = "deployment"): Deployment {
  if (typeof raw !== "object" || raw === null) throw invalid(file, "not a JSON object");
  const d = raw as Record<string, unknown>;
  if (d.contract !== "VoteRegistry") throw invalid(file, 'contract must be "VoteRegistry"');
  if (!Number.isSafeInteger(d.chainId) || (d.chainId as number) <= 0)
    throw invalid(file, "chainId must be a positive integer");
  if (typeof d.address !== "string") throw invalid(file, "address must be a string");
  try {
    getAddress(d.address);
  } catch {
    throw invalid(file, `address ${String(d.address)} is not an address`);
  }
  if (!Number.isSafeInteger(d.deploymentBlock) || (d.deploymentBlock as number) < 0) {
    throw invalid(file, "deploymentBlock must be a non-negative integer");
  }
  return d as unknown as Deployment;
}

export async function readDeployment(chainId: number, dir = deploymentsDir()): Promise<Deployment> {
  return readDeploymentFile(deploymentPath(chainId, dir));
}

export async function readDeploymentFile(file: string): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new DeploymentNotFoundError(file);
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid(file, "not valid JSON");
  }
  return parseDeployment(raw, file);
}

/** Writes atomically (temp file + rename) so a reader never sees half a file. */
export async function writeDeployment(deployment: Deployment, dir = deploymentsDir()): Promise<string> {
  const file = deploymentPath(deployment.chainId, dir);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(deployment, null, 2)}\n`);
  await rename(tmp, file);
  return file;
}
