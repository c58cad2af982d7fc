/**
 * A long local chain made fast, for the chain journal's tests and the resume benchmark: blocks
 * are mined on request (timestamps chosen, many blocks to one JSON-RPC batch) in the shapes a
 * long demo leaves behind: busy stretches with a transaction in most blocks, idle stretches of
 * empty blocks while the base fee is still falling, and uneven block times. Returns the journal
 * that the recorder would have written for it.
 */
import { LOCAL_ACCOUNTS, LOCAL_CHAIN_ID } from "@veritally/contracts";
import type { LocalNode } from "@veritally/contracts/local-node";
import { Wallet } from "ethers";
import { type Journal, type JournalBlock, rpcBatch } from "../scripts/lib/chain-journal.js";

export interface ChainHistoryOptions {
  blocks: number;
  /** Blocks per busy-then-idle cycle; the first `busy` of each cycle carry a transaction. */
  cycle?: number;
  busy?: number;
  genesisDate: string;
}

export async function buildChainHistory(node: LocalNode, options: ChainHistoryOptions): Promise<Journal> {
  const cycle = options.cycle ?? 400;
  const busy = options.busy ?? 30;
  const [genesis] = await rpcBatch(node.rpcUrl, [{ method: "eth_getBlockByNumber", params: ["0x0", false] }]);
  const genesisBlock = genesis?.result as { hash: string; timestamp: string };
  const wallet = new Wallet(LOCAL_ACCOUNTS.deployer.privateKey);
  let timestamp = Number(genesisBlock.timestamp);
  let nonce = 0;
  const blocks: JournalBlock[] = [];
  let calls: { method: string; params: unknown[] }[] = [];
  const flush = async () => {
    if (calls.length === 0) return;
    const answers = await rpcBatch(node.rpcUrl, calls);
    const failed = answers.find((a) => a.error);
    if (failed) throw new Error(`building the chain history: ${failed.error?.message}`);
    calls = [];
  };
  for (let n = 1; n <= options.blocks; n++) {
    // Mostly 1 s apart, every seventh block 3 s, every 97th 11 s: uneven, as a loaded node's are.
    timestamp += n % 97 === 0 ? 11 : n % 7 === 0 ? 3 : 1;
    const txs: string[] = [];
    if (n % cycle < busy) {
      txs.push(
        await wallet.signTransaction({
          type: 2,
          chainId: LOCAL_CHAIN_ID,
          nonce: nonce++,
          to: LOCAL_ACCOUNTS.outsider.address,
          value: BigInt(n),
          gasLimit: 21_000n,
          maxFeePerGas: 10n ** 11n,
          maxPriorityFeePerGas: 1n,
        }),
      );
    }
    calls.push({ method: "evm_setNextBlockTimestamp", params: [timestamp] });
    for (const raw of txs) calls.push({ method: "eth_sendRawTransaction", params: [raw] });
    calls.push({ method: "evm_mine", params: [] });
    blocks.push({ number: n, hash: "", timestamp, txs });
    if (calls.length >= 600) await flush();
  }
  await flush();
  // The hashes, read back as the recorder reads them (in batches here, for speed).
  for (let from = 0; from < blocks.length; from += 500) {
    const slice = blocks.slice(from, from + 500);
    const answers = await rpcBatch(
      node.rpcUrl,
      slice.map((b) => ({ method: "eth_getBlockByNumber", params: [`0x${b.number.toString(16)}`, false] })),
    );
    slice.forEach((b, k) => {
      const read = answers[k]?.result as { hash?: string } | undefined;
      if (!read?.hash) throw new Error(`building the chain history: block ${b.number} not found`);
      b.hash = read.hash;
    });
  }
  return { genesisDate: options.genesisDate, genesisHash: genesisBlock.hash, blocks };
}
