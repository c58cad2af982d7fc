/**
 * Test and benchmark support: a local chain with VoteRegistry, a real k-of-n secret election
 * (the trustees' ceremony in memory), sealed ballots recorded with recordBallotBatch, the trustees'
 * shares and the tally published; and an RPC endpoint in front of the node that can lie (drop or
 * repeat logs) or fail for a while, to show what the verifier makes of it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  connectVoteRegistry,
  encodeElectionMetadata,
  LOCAL_ACCOUNTS,
  type VoteRegistryContract,
} from "@veritally/contracts";
import { startAnvilNode } from "@veritally/contracts/anvil-node";
import { deployVoteRegistry } from "@veritally/contracts/deploy";
import { type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import { ballotCiphertexts, createBallotBuilder, type ElectionSpec } from "@veritally/crypto/ballot";
import type { Ciphertext } from "@veritally/crypto/elgamal";
import { encodePoint } from "@veritally/crypto/group";
import {
  aggregateBallots,
  computeTally,
  csprng,
  type DecryptionShare,
  decryptionShareToJson,
  electionKeyToJson,
  partialDecrypt,
  type TallyInput,
  type TallyResult,
  tallyToJson,
} from "@veritally/crypto/trustee";
import { type HonestCeremony, runHonestCeremony } from "@veritally/crypto/trustee/testing";
import { type JsonRpcProvider, NonceManager, Wallet } from "ethers";

export interface TestChain {
  readonly node: LocalNode;
  readonly provider: JsonRpcProvider;
  /** Connected with the relayer's key (recorder and election manager). */
  readonly registry: VoteRegistryContract;
  readonly address: string;
  readonly chainId: bigint;
  readonly deploymentBlock: number;
  stop(): Promise<void>;
}

export async function startTestChain(kind: "hardhat" | "anvil" = "hardhat"): Promise<TestChain> {
  const node = kind === "anvil" ? await startAnvilNode() : await startLocalNode({ blockMs: 0 });
  try {
    const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
    const relayer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.relayer.privateKey, node.provider));
    const { deployment } = await deployVoteRegistry({ deployer, relayer: LOCAL_ACCOUNTS.relayer.address });
    return {
      node,
      provider: node.provider,
      registry: connectVoteRegistry(deployment.address, relayer),
      address: deployment.address,
      chainId: (await node.provider.getNetwork()).chainId,
      deploymentBlock: deployment.deploymentBlock,
      stop: () => node.stop(),
    };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

export const hex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString("hex")}`;
const utf8 = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
/** An election id as the ballot's context has it: 32 bytes big-endian. */
export const electionIdBytes = (id: number | bigint): Uint8Array =>
  Uint8Array.from(Buffer.from(BigInt(id).toString(16).padStart(64, "0"), "hex"));

export async function chainTime(provider: JsonRpcProvider): Promise<number> {
  const block = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  return Number(block.timestamp);
}

export async function headBlock(provider: JsonRpcProvider): Promise<number> {
  return Number(await provider.send("eth_blockNumber", []));
}

/** Polls for a receipt (ethers' wait() can miss it on automine when no later block comes); throws on a revert. */
export async function receiptOf(provider: JsonRpcProvider, hash: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await provider.send("eth_getTransactionReceipt", [hash])) as {
      blockNumber: string;
      status: string;
    } | null;
    if (r) {
      if (r.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
      return Number(r.blockNumber);
    }
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function sent(chain: TestChain, tx: Promise<{ hash: string }>): Promise<number> {
  return receiptOf(chain.provider, (await tx).hash);
}

export interface SecretElection {
  readonly id: number;
  readonly choices: number;
  readonly ceremony: HonestCeremony;
  readonly spec: ElectionSpec;
  readonly recordUntil: number;
  readonly createdAtBlock: number;
}

/** Creates a secret election with a real k-of-n ceremony; recording is open for `recordSeconds`. */
export async function createSecretElection(
  chain: TestChain,
  options: { id: number; choices: number; trustees?: number; threshold?: number; recordSeconds?: number },
): Promise<SecretElection> {
  const trustees = options.trustees ?? 5;
  const threshold = options.threshold ?? 3;
  const registry = Uint8Array.from(Buffer.from(chain.address.slice(2), "hex"));
  const electionId = electionIdBytes(options.id);
  const ceremony = runHonestCeremony({ chainId: chain.chainId, registry, electionId, trustees, threshold }, csprng);
  const now = await chainTime(chain.provider);
  const recordUntil = now + (options.recordSeconds ?? 3600);
  const createdAtBlock = await sent(
    chain,
    chain.registry.createSecretElection(
      options.id,
      options.choices,
      now - 60,
      recordUntil - 10,
      recordUntil,
      encodeElectionMetadata({
        title: `Secret election ${options.id}`,
        description: "verifier test",
        choices: Array.from({ length: options.choices }, (_, j) => `Choice ${j}`),
      }),
      hex(encodePoint(ceremony.record.jointKey)),
      threshold,
      trustees,
      utf8(electionKeyToJson(ceremony.record)),
    ),
  );
  return {
    id: options.id,
    choices: options.choices,
    ceremony,
    recordUntil,
    createdAtBlock,
    spec: {
      chainId: chain.chainId,
      registry,
      electionId,
      publicKey: ceremony.record.jointKey,
      choices: options.choices,
    },
  };
}

/** Sealed ballots for these choices, built with the crypto library (libsodium). */
export async function buildBallots(election: SecretElection, votes: readonly number[]): Promise<Uint8Array[]> {
  const builder = await createBallotBuilder(election.spec);
  return votes.map((choice) => builder.build(choice).encoded);
}

/**
 * Records the ballots from `firstSeq` in batches of `batch`; all transactions are sent before any
 * receipt is awaited. Returns the block of each batch.
 */
export async function recordBallots(
  chain: TestChain,
  electionId: number,
  firstSeq: number,
  ballots: readonly Uint8Array[],
  batch = 100,
): Promise<number[]> {
  const hashes: string[] = [];
  for (let start = 0; start < ballots.length; start += batch) {
    const part = ballots.slice(start, start + batch);
    const bytes = part.reduce((n, b) => n + b.length, 0);
    // The gas is given, not estimated: an estimate per batch would double the calls.
    const gasLimit = 60_000 + part.length * 12_000 + bytes * 40;
    const tx = await chain.registry.recordBallotBatch(electionId, firstSeq + start, [...part], { gasLimit });
    hashes.push(tx.hash);
  }
  const blocks: number[] = [];
  for (const h of hashes) blocks.push(await receiptOf(chain.provider, h));
  return blocks;
}

/** Moves the chain past every recordUntil given, so shares and the tally may be published. */
export async function endRecording(chain: TestChain, recordUntil: number): Promise<void> {
  const now = await chainTime(chain.provider);
  if (now <= recordUntil) await chain.provider.send("evm_increaseTime", [recordUntil - now + 1]);
  await chain.provider.send("evm_mine", []);
}

export interface Decryption {
  readonly input: TallyInput;
  readonly aggregate: Ciphertext[];
  readonly shares: DecryptionShare[];
  readonly tally: TallyResult;
}

/** What honest trustees `trustees` produce for the aggregate of `validBallots`. */
export function decrypt(
  election: SecretElection,
  validBallots: readonly Uint8Array[],
  trustees: readonly number[],
): Decryption {
  const aggregate = aggregateBallots(
    validBallots.map((b) => ballotCiphertexts(b)),
    election.choices,
  );
  return decryptAggregate(election, aggregate, validBallots.length, trustees);
}

/** The same from an aggregate already added up (of `ballotCount` valid ballots). */
export function decryptAggregate(
  election: SecretElection,
  aggregate: Ciphertext[],
  ballotCount: number,
  trustees: readonly number[],
): Decryption {
  const { record, secretShares } = election.ceremony;
  const input: TallyInput = { context: record.context, jointKey: record.jointKey, ballotCount, aggregate };
  const shares = trustees.map((t) => partialDecrypt(record, t, secretShares[t - 1] ?? 0n, aggregate, csprng));
  const tally = computeTally(record, aggregate, ballotCount, shares);
  return { input, aggregate, shares, tally };
}

/** Trustee `trustee`'s honest share of the aggregate of `ballots` (which may not be the election's). */
export function shareOf(election: SecretElection, ballots: readonly Uint8Array[], trustee: number): DecryptionShare {
  const aggregate = aggregateBallots(
    ballots.map((b) => ballotCiphertexts(b)),
    election.choices,
  );
  const { record, secretShares } = election.ceremony;
  return partialDecrypt(record, trustee, secretShares[trustee - 1] ?? 0n, aggregate, csprng);
}

export async function publishShare(
  chain: TestChain,
  electionId: number,
  trusteeIndex: number,
  input: TallyInput,
  share: DecryptionShare,
): Promise<number> {
  return sent(
    chain,
    chain.registry.publishDecryptionShare(electionId, trusteeIndex, utf8(decryptionShareToJson(input, share))),
  );
}

export async function publishTally(
  chain: TestChain,
  electionId: number,
  counts: readonly number[],
  input: TallyInput,
  tally: TallyResult,
): Promise<number> {
  return sent(chain, chain.registry.publishTally(electionId, [...counts], utf8(tallyToJson(input, tally))));
}

/** An open election with `votes` (choices) recorded in one batch. */
export async function openElectionWithVotes(
  chain: TestChain,
  id: number,
  choices: number,
  votes: readonly number[],
): Promise<void> {
  const now = await chainTime(chain.provider);
  await sent(
    chain,
    chain.registry.createElection(
      id,
      choices,
      now - 60,
      now + 3600,
      now + 3600,
      encodeElectionMetadata({
        title: `Open election ${id}`,
        description: "verifier test",
        choices: Array.from({ length: choices }, (_, j) => `Choice ${j}`),
      }),
    ),
  );
  await sent(
    chain,
    chain.registry.recordVoteBatch(
      id,
      0,
      votes.map(() => hex(randomBytes(16))),
      [...votes],
      votes.map(() => hex(randomBytes(32))),
    ),
  );
}

/** What the lying endpoint does to an eth_getLogs answer (the logs as the node gave them). */
export type LogsTransform = (logs: { data: string; topics: string[] }[]) => { data: string; topics: string[] }[];

export interface LyingRpc {
  readonly url: string;
  /** Requests answered so far (the failed ones included). */
  readonly requests: () => number;
  stop(): Promise<void>;
}

/**
 * An HTTP JSON-RPC endpoint in front of `target`: answers the first `failFirst` requests with
 * HTTP 503 (a node restarting), then passes every request on, rewriting eth_getLogs answers with
 * `transformLogs` (an endpoint that hides or repeats records).
 */
export async function startLyingRpc(
  target: string,
  options: { failFirst?: number; transformLogs?: LogsTransform } = {},
): Promise<LyingRpc> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests += 1;
      if (requests <= (options.failFirst ?? 0)) {
        res.writeHead(503).end("restarting");
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      void (async () => {
        const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
        let text = await upstream.text();
        const request = JSON.parse(body) as { method?: string };
        if (request.method === "eth_getLogs" && options.transformLogs) {
          const answer = JSON.parse(text) as { result?: { data: string; topics: string[] }[] };
          if (answer.result) text = JSON.stringify({ ...answer, result: options.transformLogs(answer.result) });
        }
        res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
      })().catch((error: Error) => res.writeHead(502).end(error.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
