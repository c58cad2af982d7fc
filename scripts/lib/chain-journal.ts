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
  // One message per outage, not one per poll: the chain being away for a while is one event.
  let failing = false;
  const guardedTick = () =>
    tick().then(
      () => {
        failing = false;
      },
      (e: Error) => {
        if (!failing) options.onError?.(e);
        failing = true;
      },
    );
  const timer = setInterval(() => {
    running = running.then(guardedTick);
  }, options.pollMs ?? 250);
  return {
    /** Records the blocks up to the current head one last time, then stops polling. */
    async stop() {
      clearInterval(timer);
      await running;
      await guardedTick();
      stopped = true;
    },
    height: () => blocks.length,
  };
}

/** JSON-RPC requests per HTTP batch while replaying: large enough to make HTTP cost nothing. */
const REPLAY_BATCH_REQUESTS = 600;

interface RpcAnswer {
  id: number;
  result?: unknown;
  error?: { message?: string };
}

export async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<RpcAnswer[]> {
  const body = calls.map((c, id) => ({ jsonrpc: "2.0", id, method: c.method, params: c.params }));
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`the chain answered HTTP ${response.status} to a replay batch`);
  const answers = (await response.json()) as RpcAnswer[];
  if (!Array.isArray(answers) || answers.length !== calls.length) {
    throw new Error("the chain does not answer JSON-RPC batches: cannot replay the saved chain");
  }
  return answers.sort((a, b) => a.id - b.id);
}

async function blockHashAt(url: string, n: number): Promise<string | undefined> {
  const [answer] = await rpcBatch(url, [{ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] }]);
  return (answer?.result as { hash?: string } | null)?.hash;
}

/**
 * Replays the journal into a node started with VERITALLY_BLOCK_MS=-1 (mining on request) and the
 * journal's genesis date. Every block is mined on its own (timestamp, its transactions, evm_mine),
 * many blocks to one HTTP batch, which the node runs in order. A block hash commits to its parent,
 * so checking the last block of each batch checks every block before it; on a mismatch the first
 * block that differs is named. hardhat_mine is not used: the blocks it reserves all keep the base
 * fee of the first, where mining them one by one lowers it block after block, so a run of empty
 * blocks after a busy stretch came out with other hashes.
 */
export async function replayJournal(
  url: string,
  journal: Journal,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const genesisHash = await blockHashAt(url, 0);
  if (genesisHash !== journal.genesisHash) {
    throw new Error(`the new chain's genesis ${genesisHash} differs from the saved ${journal.genesisHash}`);
  }
  const blocks = journal.blocks;
  let verified = 0;
  let lastReport = 0;
  let i = 0;
  while (i < blocks.length) {
    const calls: { method: string; params: unknown[] }[] = [];
    const first = i;
    while (
      i < blocks.length &&
      (calls.length === 0 || calls.length + 2 + (blocks[i]?.txs.length ?? 0) <= REPLAY_BATCH_REQUESTS)
    ) {
      const block = blocks[i] as JournalBlock;
      calls.push({ method: "evm_setNextBlockTimestamp", params: [block.timestamp] });
      for (const raw of block.txs) calls.push({ method: "eth_sendRawTransaction", params: [raw] });
      calls.push({ method: "evm_mine", params: [] });
      i++;
    }
    const answers = await rpcBatch(url, calls);
    const failed = answers.find((a) => a.error);
    const last = blocks[i - 1] as JournalBlock;
    if (failed || (await blockHashAt(url, last.number)) !== last.hash) {
      const bad = await firstDifferingBlock(url, blocks.slice(first, i));
      throw new Error(
        `replaying block ${bad.number} gave ${bad.replayed ? `hash ${bad.replayed}` : "no block"}, the saved chain has ` +
          `${bad.hash}${failed ? ` (${failed.error?.message ?? "an RPC error"})` : ""}: the saved chain cannot be restored ` +
          "(delete .data to start afresh)",
      );
    }
    verified = i;
    if (onProgress && (verified - lastReport >= 5000 || verified === blocks.length)) {
      lastReport = verified;
      onProgress(verified, blocks.length);
    }
  }
}

async function firstDifferingBlock(
  url: string,
  candidates: JournalBlock[],
): Promise<JournalBlock & { replayed: string | undefined }> {
  for (const block of candidates) {
    const replayed = await blockHashAt(url, block.number);
    if (replayed !== block.hash) return { ...block, replayed };
  }
  const last = candidates[candidates.length - 1] as JournalBlock;
  return { ...last, replayed: await blockHashAt(url, last.number) };
}

export async function removeJournal(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
