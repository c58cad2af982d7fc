import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Deployment,
  DeploymentNotFoundError,
  parseDeployment,
  readDeployment,
  readDeploymentFile,
  writeDeployment,
} from "./deployment.js";

const sample: Deployment = {
  contract: "VoteRegistry",
  chainId: 31337,
  address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  deploymentBlock: 3,
  transactionHash: `0x${"ab".repeat(32)}`,
  deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  deployedAt: "2026-11-23T00:00:00.000Z",
  roles: { admin: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", electionManagers: [], recorders: [], pausers: [] },
};

describe("deployment files", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "vt-deploy-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips through deployments/<chainId>.json", async () => {
    const file = await writeDeployment(sample, dir);
    expect(path.basename(file)).toBe("31337.json");
    expect(await readDeployment(31337, dir)).toEqual(sample);
  });

  it("says to deploy first when the file is missing", async () => {
    await expect(readDeployment(5, dir)).rejects.toBeInstanceOf(DeploymentNotFoundError);
    await expect(readDeployment(5, dir)).rejects.toThrow(/deploy first/);
  });

  it("names the bad field of a malformed file", async () => {
    const file = path.join(dir, "1.json");
    await writeFile(file, "{not json");
    await expect(readDeploymentFile(file)).rejects.toThrow(/not valid JSON/);
    expect(() => parseDeployment({ ...sample, address: "0x12" })).toThrow(/address 0x12 is not an address/);
    expect(() => parseDeployment({ ...sample, chainId: -1 })).toThrow(/chainId/);
    expect(() => parseDeployment({ ...sample, deploymentBlock: 1.5 })).toThrow(/deploymentBlock/);
    expect(() => parseDeployment({ ...sample, contract: "Other" })).toThrow(/contract/);
  });
});
