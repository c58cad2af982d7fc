/**
 * Resume of the local chain: how long `./veritally start` takes to replay a 12-hour demo's chain
 * journal (43,200 one-second blocks) into a new Hardhat node, against a baseline in the same run:
 * the same blocks replayed one JSON-RPC call per HTTP request (as the replay did before it sent
 * batches), over the first BASELINE_BLOCKS blocks. The journal is made by test-helpers'
 * buildChainHistory: three busy blocks (a transaction each) in four, idle stretches in between,
 * uneven block times.
 *
 * Writes bench/results/resume.json: {blocks, transactions, replaySeconds, blocksPerSec,
 * baseline: {blocks, blocksPerSec}, speedup, targetSeconds}.
 *
 *   npm run bench:resume            (RESUME_BLOCKS=… to change the 43,200)
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalNode } from "@veritally/contracts/local-node";
import { replayJournal, rpcBatch } from "../scripts/lib/chain-journal.js";
import { buildChainHistory } from "../test-helpers/chain-history.js";

const BLOCKS = Number(process.env.RESUME_BLOCKS ?? 43_200);
const BASELINE_BLOCKS = 3_000;
const TARGET_SECONDS = 30;
const genesisDate = "2026-06-01T00:00:00.000Z";
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "results");
const log = (m: string) => console.log(`bench:resume ${m}`);

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
