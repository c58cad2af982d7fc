/**
 * `./veritally start`: brings up the local system and keeps it running until Ctrl-C.
 *
 * Now: a local chain (Hardhat node on 127.0.0.1:8545, 1-second blocks), VoteRegistry deployed
 * with the relayer's roles, and a demo election. Each step prints its progress; Ctrl-C stops
 * everything that was started.
 */
import { LOCAL_ACCOUNTS, LOCAL_CHAIN_ID } from "@veritally/contracts";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import { writeDeployment } from "@veritally/contracts/deployment";
import { rpcAnswers, startLocalNode } from "@veritally/contracts/local-node";
import { NonceManager, Wallet } from "ethers";

const CHAIN_PORT = Number(process.env.CHAIN_PORT ?? 8545);
const BLOCK_MS = Number(process.env.VERITALLY_BLOCK_MS ?? 1000);

const stoppers: (() => Promise<void>)[] = [];
let stopping = false;

function step(message: string): void {
  console.log(`\u001b[1m▸\u001b[0m ${message}`);
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    step("stopping");
    for (const stop of stoppers.reverse()) await stop().catch((e) => console.error(e));
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  const rpcUrl = `http://127.0.0.1:${CHAIN_PORT}`;
  if (await rpcAnswers(rpcUrl)) {
    throw new Error(`something already answers JSON-RPC on ${rpcUrl}: stop it, or set CHAIN_PORT`);
  }
  step(`starting the local chain on ${rpcUrl} (${BLOCK_MS} ms blocks)`);
  const node = await startLocalNode({ port: CHAIN_PORT, blockMs: BLOCK_MS });
  stoppers.push(() => node.stop());

  step("deploying VoteRegistry");
  const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
  const { deployment, registry } = await deployVoteRegistry({
    deployer,
    relayer: LOCAL_ACCOUNTS.relayer.address,
    onProgress: (m) => console.log(`  ${m}`),
  });
  const file = await writeDeployment(deployment);
  console.log(`  wrote ${file}`);

  step("creating the demo election (id 1)");
  const now = (await node.provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
  await createElection(registry, {
    electionId: 1,
    metadata: {
      title: "Demo: where should the town spend its 2027 budget?",
      description: "A demonstration election on the local chain.",
      choices: ["Parks", "Library", "Bike lanes", "Schools"],
    },
    opensAt: now,
    closesAt: now + 7 * 86400,
    recordUntil: now + 7 * 86400 + 3600,
  });

  console.log(`
Veritally is running (chain ${LOCAL_CHAIN_ID}).
  chain RPC      ${rpcUrl}
  VoteRegistry   ${deployment.address} (deployed in block ${deployment.deploymentBlock})
  demo election  1, open for 7 days
Press Ctrl-C to stop.`);
  await new Promise(() => {}); // until a signal
} catch (error) {
  console.error(`\nstart failed: ${(error as Error).message}`);
  await shutdown(1);
}
