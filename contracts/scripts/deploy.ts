/**
 * Deploys VoteRegistry to the local chain or any RPC and writes deployments/<chainId>.json.
 *
 *   RPC_URL                      default http://127.0.0.1:8545
 *   DEPLOYER_PRIVATE_KEY[_FILE]  required except on the local chain (31337), where Hardhat's
 *                                account #0 is used
 *   RELAYER_ADDRESS              gets the recorder and election-manager roles
 *                                (default on 31337: Hardhat's account #1)
 *   ADMIN_ADDRESS                final admin (default: the deployer)
 *   PAUSER_ADDRESSES             comma-separated (default: the deployer)
 *   --demo-election              also create election 1, open now for 7 days
 */
import { getAddress, JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { ensureContractsBuilt } from "../src/build.js";
import { createElection, deployVoteRegistry } from "../src/deploy.js";
import { writeDeployment } from "../src/deployment.js";
import { LOCAL_ACCOUNTS, LOCAL_CHAIN_ID, LOCAL_RPC_URL } from "../src/local-chain.js";
import { parsePrivateKey, readSecret } from "../src/secrets.js";

function fail(message: string): never {
  console.error(`deploy: ${message}`);
  process.exit(1);
}

function address(name: string, value: string): string {
  try {
    return getAddress(value.trim());
  } catch {
    return fail(`${name}: "${value}" is not an address`);
  }
}

const rpcUrl = process.env.RPC_URL ?? LOCAL_RPC_URL;
const provider = new JsonRpcProvider(rpcUrl, undefined, { pollingInterval: 250 });
let chainId: number;
try {
  chainId = Number((await provider.getNetwork()).chainId);
} catch (error) {
  fail(
    `cannot reach ${rpcUrl}: ${(error as Error).message.split("\n")[0]} (start the local chain with npm run chain -w contracts)`,
  );
}
const local = chainId === LOCAL_CHAIN_ID;

let key: string | undefined;
try {
  key = readSecret("DEPLOYER_PRIVATE_KEY");
  key = key ? parsePrivateKey("DEPLOYER_PRIVATE_KEY", key) : undefined;
} catch (error) {
  fail((error as Error).message);
}
if (!key && !local) fail(`DEPLOYER_PRIVATE_KEY or DEPLOYER_PRIVATE_KEY_FILE is required on chain ${chainId}`);
// Counts its own nonces: a node that mines each transaction at once (automine) may still report
// the pending count from before the last one, and the role grants follow each other quickly.
const deployer = new NonceManager(new Wallet(key ?? LOCAL_ACCOUNTS.deployer.privateKey, provider));

const relayerEnv = process.env.RELAYER_ADDRESS;
if (!relayerEnv && !local) fail(`RELAYER_ADDRESS is required on chain ${chainId}`);
const relayer = address("RELAYER_ADDRESS", relayerEnv ?? LOCAL_ACCOUNTS.relayer.address);

// A fresh clone has no artifacts yet: compile them (only when missing or older than the sources).
try {
  await ensureContractsBuilt({ onProgress: (m) => console.log(`deploy: ${m}`) });
} catch (error) {
  fail((error as Error).message);
}

const { deployment, registry } = await deployVoteRegistry({
  deployer,
  relayer,
  ...(process.env.ADMIN_ADDRESS ? { admin: address("ADMIN_ADDRESS", process.env.ADMIN_ADDRESS) } : {}),
  ...(process.env.PAUSER_ADDRESSES
    ? { pausers: process.env.PAUSER_ADDRESSES.split(",").map((a) => address("PAUSER_ADDRESSES", a)) }
    : {}),
  onProgress: (m) => console.log(`deploy: ${m}`),
});
const file = await writeDeployment(deployment);
console.log(`deploy: wrote ${file}`);

if (process.argv.includes("--demo-election")) {
  const now = (await provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
  const block = await createElection(registry, {
    electionId: 1,
    metadata: {
      title: "Demo: where should the town spend its 2027 budget?",
      description: "A demonstration election on the local chain.",
      choices: ["Parks", "Library", "Bike lanes", "Schools"],
      contact: "observers@example.org",
    },
    opensAt: now,
    closesAt: now + 7 * 24 * 3600,
    recordUntil: now + 7 * 24 * 3600 + 3600,
  });
  console.log(`deploy: created demo election 1 (block ${block})`);
}
provider.destroy();
