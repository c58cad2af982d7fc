/**
 * Resume of the local chain after a 12-hour demo (43,200 one-second blocks), two ways in the same
 * run:
 * - anvil, the default local chain: the whole `./veritally start` (startStack) stopped after
 *   43,200 blocks and started again on the same data folder; anvil loads its state file. Measured:
 *   the stop, and the start until every service answers (wholeResumeSeconds).
 * - Hardhat's node (LOCAL_CHAIN=hardhat), the previous local chain: its journal replayed into a
 *   new node, against its own baseline (one JSON-RPC call per HTTP request, the first
 *   BASELINE_BLOCKS blocks). The journal is made by test-helpers' buildChainHistory: three busy
 *   blocks (a transaction each) in four, idle stretches in between, uneven block times.
 *
 * Writes bench/results/resume.json: {blocks, anvil: {stopSeconds, wholeResumeSeconds,
 * stateFileBytes, sameHead}, transactions, replaySeconds, blocksPerSec, baseline: {blocks,
 * blocksPerSec}, speedup, targetSeconds}.
 *
 *   npm run bench:resume            (RESUME_BLOCKS=… to change the 43,200)
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { connectVoteRegistry } from "@veritally/contracts";
import { startAnvilNode } from "@veritally/contracts/anvil-node";
import { freePort, startLocalNode } from "@veritally/contracts/local-node";
import { JsonRpcProvider } from "ethers";
import { replayJournal, rpcBatch } from "../scripts/lib/chain-journal.js";
import { castVote, registerClients } from "../scripts/lib/simulator.js";
import { dropDatabase, type StackOptions, startStack } from "../scripts/lib/stack.js";
import { buildChainHistory } from "../test-helpers/chain-history.js";

const BLOCKS = Number(process.env.RESUME_BLOCKS ?? 43_200);
const BASELINE_BLOCKS = 3_000;
const TARGET_SECONDS = 30;
const genesisDate = "2026-06-01T00:00:00.000Z";
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "results");
const log = (m: string) => console.log(`bench:resume ${m}`);

/** anvil: the whole system stopped after BLOCKS blocks and started again on its data folder. */
async function anvilResume() {
  const dataDir = await mkdtemp(path.join(tmpdir(), "vt-bench-resume-"));
  const suffix = Math.random().toString(36).slice(2, 8);
  const options: StackOptions = {
    dataDir,
    databaseNames: { relayer: `vt_bench_resume_relayer_${suffix}`, indexer: `vt_bench_resume_indexer_${suffix}` },
    ports: { chain: await freePort(), relayer: await freePort(), graphql: await freePort(), portal: await freePort() },
    blockMs: 1000,
    chain: { kind: "anvil", slotsInAnEpoch: 8, persist: true },
    relayerEnv: { LOG_LEVEL: "warn" },
  };
  // The 12 hours of blocks, mined by anvil alone into the state file the stack will load (mining
  // them under the running services would take as long as the services take to follow them).
  const stateFile = path.join(dataDir, "chain", "anvil-state.json");
  await mkdir(path.dirname(stateFile), { recursive: true });
  const builder = await startAnvilNode({ port: options.ports.chain, slotsInAnEpoch: 8, stateFile });
  const built = performance.now();
  for (let n = 0; n < BLOCKS; n += 2000) {
    await builder.provider.send("anvil_mine", [`0x${Math.min(2000, BLOCKS - n).toString(16)}`]);
  }
  await builder.stop();
  log(`  anvil: ${BLOCKS} blocks mined in ${((performance.now() - built) / 1000).toFixed(1)} s`);
  // First start on them (deploys, demo election), votes, then the stop and the start measured.
  let stack = await startStack(options);
  const serverUrl = stack.postgres.serverUrl;
  try {
    const clients = await registerClients(stack.urls.relayer, stack.adminApiKey, 2);
    for (let i = 0; i < 200; i++) {
      await castVote(stack.urls.relayer, clients[i % 2] as (typeof clients)[number], 1, `bench-${i}`, i % 4);
    }
    const provider = new JsonRpcProvider(stack.rpcUrl, undefined, { staticNetwork: true });
    const registry = connectVoteRegistry(stack.deployment.address, provider);
    while (Number(await registry.nextSeq(1)) < 200) await new Promise((r) => setTimeout(r, 500));
    const head = await provider.getBlock("latest");
    provider.destroy();
    const stopStart = performance.now();
    await stack.stop();
    const stopSeconds = (performance.now() - stopStart) / 1000;
    const stateFileBytes = (await stat(path.join(dataDir, "chain", "anvil-state.json"))).size;
    const resumeStart = performance.now();
    stack = await startStack(options);
    const wholeResumeSeconds = (performance.now() - resumeStart) / 1000;
    const again = new JsonRpcProvider(stack.rpcUrl, undefined, { staticNetwork: true });
    const sameHead = stack.resumed && (await again.getBlock(head?.number ?? 0))?.hash === head?.hash;
    again.destroy();
    log(
      `anvil: stop ${stopSeconds.toFixed(1)} s, whole resume ${wholeResumeSeconds.toFixed(1)} s, same head ${sameHead}`,
    );
    return {
      stopSeconds: Math.round(stopSeconds * 10) / 10,
      wholeResumeSeconds: Math.round(wholeResumeSeconds * 10) / 10,
      stateFileBytes,
      sameHead,
    };
  } finally {
    await stack.stop();
    for (const name of Object.values(options.databaseNames ?? {})) await dropDatabase(serverUrl, name).catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}

log(`anvil: the whole system, ${BLOCKS} blocks, stopped and started again`);
const anvil = await anvilResume();

log(`building a chain of ${BLOCKS} blocks`);
const source = await startLocalNode({ blockMs: -1, genesisDate });
const built = performance.now();
const journal = await buildChainHistory(source, { blocks: BLOCKS, cycle: 400, busy: 300, genesisDate });
await source.stop();
const transactions = journal.blocks.reduce((n, b) => n + b.txs.length, 0);
log(`built in ${((performance.now() - built) / 1000).toFixed(1)} s: ${transactions} transactions`);

// Baseline: one request per call, the first BASELINE_BLOCKS blocks.
const slow = await startLocalNode({ blockMs: -1, genesisDate });
const slowStart = performance.now();
for (const block of journal.blocks.slice(0, BASELINE_BLOCKS)) {
  await rpcBatch(slow.rpcUrl, [{ method: "evm_setNextBlockTimestamp", params: [block.timestamp] }]);
  for (const raw of block.txs) await rpcBatch(slow.rpcUrl, [{ method: "eth_sendRawTransaction", params: [raw] }]);
  await rpcBatch(slow.rpcUrl, [{ method: "evm_mine", params: [] }]);
}
const baselineSeconds = (performance.now() - slowStart) / 1000;
await slow.stop();
const baselinePerSec = BASELINE_BLOCKS / baselineSeconds;
log(`baseline: ${BASELINE_BLOCKS} blocks in ${baselineSeconds.toFixed(1)} s (${Math.round(baselinePerSec)} blocks/s)`);

const fresh = await startLocalNode({ blockMs: -1, genesisDate });
const start = performance.now();
await replayJournal(fresh.rpcUrl, journal, (done, total) => log(`  replayed ${done}/${total}`));
const replaySeconds = (performance.now() - start) / 1000;
await fresh.stop();
const blocksPerSec = BLOCKS / replaySeconds;
log(`replay: ${BLOCKS} blocks in ${replaySeconds.toFixed(1)} s (${Math.round(blocksPerSec)} blocks/s)`);

const result = {
  blocks: BLOCKS,
  anvil,
  transactions,
  replaySeconds: Math.round(replaySeconds * 10) / 10,
  blocksPerSec: Math.round(blocksPerSec),
  baseline: { blocks: BASELINE_BLOCKS, blocksPerSec: Math.round(baselinePerSec) },
  speedup: Math.round((blocksPerSec / baselinePerSec) * 10) / 10,
  targetSeconds: TARGET_SECONDS,
};
await mkdir(resultsDir, { recursive: true });
await writeFile(path.join(resultsDir, "resume.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
