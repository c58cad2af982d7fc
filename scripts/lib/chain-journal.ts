/**
 * Lets the local chain survive a restart. Hardhat's node keeps its chain in memory only, so
 * `./veritally start` records every block (timestamp and signed transactions) to a journal and,
 * when run again, replays it into a new node started with the same genesis date. The EVM is
 * deterministic, so the replayed chain has the very same block hashes, and the relayer's and
 * the indexer's databases stay valid. A replay that does not reproduce a block hash stops with
 * an error rather than resuming on a different chain.
 */
import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { type JsonRpcProvider, Transaction } from "ethers";

export interface JournalBlock {
  number: number;
  hash: string;
  timestamp: number;
  /** Signed raw transactions, in block order. */
  txs: string[];
}

export interface Journal {
  genesisDate: string;
  genesisHash: string;
  blocks: JournalBlock[];
}

const META = "chain.json";
const BLOCKS = "blocks.jsonl";

/** Reads the journal in `dir`; null when there is none. A torn last line (a crash) is dropped. */
export async function readJournal(dir: string): Promise<Journal | null> {
  let meta: { genesisDate: string; genesisHash: string };
  try {
    meta = JSON.parse(await readFile(path.join(dir, META), "utf8"));
  } catch {
    return null;
  }
  const text = await readFile(path.join(dir, BLOCKS), "utf8").catch(() => "");
  const blocks: JournalBlock[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      blocks.push(JSON.parse(line) as JournalBlock);
    } catch {
      break;
    }
  }
  // Keep only a contiguous run from block 1.
  const contiguous = blocks.filter((b, i) => b.number === i + 1);
  return { ...meta, blocks: contiguous.length === blocks.length ? blocks : contiguous };
}

export async function resetJournal(dir: string, genesisDate: string, genesisHash: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, META), `${JSON.stringify({ genesisDate, genesisHash }, null, 2)}\n`);
  await writeFile(path.join(dir, BLOCKS), "");
}

async function rewriteBlocks(dir: string, blocks: JournalBlock[]): Promise<void> {
  await writeFile(path.join(dir, BLOCKS), blocks.map((b) => `${JSON.stringify(b)}\n`).join(""));
}

async function fetchBlock(provider: JsonRpcProvider, n: number): Promise<JournalBlock> {
  const block = await provider.getBlock(n, true);
  if (!block?.hash) throw new Error(`block ${n} not found`);
  const txs = block.prefetchedTransactions.map((tx) => {
    const raw = Transaction.from(tx as never).serialized;
    if (Transaction.from(raw).hash !== tx.hash) throw new Error(`cannot rebuild transaction ${tx.hash}`);
    return raw;
  });
  return { number: n, hash: block.hash, timestamp: block.timestamp, txs };
}

export interface ChainRecorder {
  stop(): Promise<void>;
  /** Blocks recorded so far. */
  height(): number;
}

/**
 * Appends each new block to the journal, polling every `pollMs`. If the chain was rewound
 * (evm_revert in a drill), the journal is cut back to the common ancestor first.
 */
export function startChainRecorder(options: {
  dir: string;
  provider: JsonRpcProvider;
  journal: Journal;
  pollMs?: number;
  onError?: (error: Error) => void;
}): ChainRecorder {
  const { dir, provider } = options;
  const blocks = [...options.journal.blocks];
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    const head = await provider.getBlockNumber();
    // Rewound or replaced? Compare our last block with the chain's.
    while (blocks.length > 0) {
      const last = blocks[blocks.length - 1] as JournalBlock;
      const onChain = last.number <= head ? await provider.getBlock(last.number) : null;
      if (onChain?.hash === last.hash) break;
      blocks.pop();
      await rewriteBlocks(dir, blocks);
    }
    for (let n = blocks.length + 1; n <= head && !stopped; n++) {
      const block = await fetchBlock(provider, n);
      await appendFile(path.join(dir, BLOCKS), `${JSON.stringify(block)}\n`);
      blocks.push(block);
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick).catch((e: Error) => options.onError?.(e));
  }, options.pollMs ?? 250);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    height: () => blocks.length,
  };
}

/**
 * Replays the journal into a node started with VERITALLY_BLOCK_MS=-1 (mining on request) and the
 * journal's genesis date, checking every block hash. Runs of empty blocks are mined in one call.
 */
export async function replayJournal(
  provider: JsonRpcProvider,
  journal: Journal,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const genesis = await provider.getBlock(0);
  if (genesis?.hash !== journal.genesisHash) {
    throw new Error(`the new chain's genesis ${genesis?.hash} differs from the saved ${journal.genesisHash}`);
  }
  const blocks = journal.blocks;
  let i = 0;
  let lastReport = 0;
  while (i < blocks.length) {
    const block = blocks[i] as JournalBlock;
    const previous = i === 0 ? (genesis.timestamp as number) : (blocks[i - 1] as JournalBlock).timestamp;
    // A run of empty blocks spaced evenly: one hardhat_mine call.
    let run = 1;
    const step = block.timestamp - previous;
    if (block.txs.length === 0 && step > 0) {
      while (i + run < blocks.length) {
        const next = blocks[i + run] as JournalBlock;
        if (next.txs.length > 0 || next.timestamp - (blocks[i + run - 1] as JournalBlock).timestamp !== step) break;
        run++;
      }
    }
    if (run > 1) {
      await provider.send("evm_setNextBlockTimestamp", [block.timestamp]);
      await provider.send("hardhat_mine", [`0x${run.toString(16)}`, `0x${step.toString(16)}`]);
    } else {
      await provider.send("evm_setNextBlockTimestamp", [block.timestamp]);
      for (const raw of block.txs) await provider.send("eth_sendRawTransaction", [raw]);
      await provider.send("evm_mine", []);
    }
    const last = blocks[i + run - 1] as JournalBlock;
    const replayed = await provider.send("eth_getBlockByNumber", [`0x${last.number.toString(16)}`, false]);
    if (replayed?.hash !== last.hash) {
      throw new Error(
        `replaying block ${last.number} gave hash ${replayed?.hash}, the saved chain has ${last.hash}: ` +
          "the saved chain cannot be restored (delete .data to start afresh)",
      );
    }
    i += run;
    if (onProgress && (i - lastReport >= 500 || i === blocks.length)) {
      lastReport = i;
      onProgress(i, blocks.length);
    }
  }
}

export async function removeJournal(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
