/**
 * An in-process Hardhat (EDR) chain for tests, created from the contracts workspace's config.
 * Each call makes a new, independent chain.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import config from "@veritally/contracts/hardhat-config";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";

const contractsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../contracts");

export async function inProcessChain() {
  const hre = await createHardhatRuntimeEnvironment(
    config,
    { config: path.join(contractsRoot, "hardhat.config.ts") },
    contractsRoot,
  );
  return hre.network.create();
}

export type InProcessChain = Awaited<ReturnType<typeof inProcessChain>>;
