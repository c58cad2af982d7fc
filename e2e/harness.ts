/**
 * Shared setup of the end-to-end test and the fault drills: the whole stack on free ports with a
 * temporary data folder, load from simulated voting clients, and the invariants every drill
 * checks afterwards, read from the chain directly with ethers (not through our own decoders).
 */
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { computeVoteHash, connectVoteRegistry, decodeReceipt, LOCAL_ACCOUNTS } from "@veritally/contracts";
import { createElection } from "@veritally/contracts/deploy";
import { freePort } from "@veritally/contracts/local-node";
import { Interface, JsonRpcProvider, NonceManager, Wallet } from "ethers";
import pg from "pg";
import { expect } from "vitest";
import { castVote, registerClients, type SimulatedClient } from "../scripts/lib/simulator.js";
import { dropDatabase, repoRoot, type Stack, type StackOptions, startStack } from "../scripts/lib/stack.js";
import { waitUntil } from "../scripts/lib/supervisor.js";
import { ensurePostgres } from "../test-helpers/postgres.js";

export interface TestStack extends Stack {
  clients: SimulatedClient[];
  provider: JsonRpcProvider;
  manager: NonceManager;
  /**
   * Stops the whole stack as Ctrl-C does, keeping its data folder and databases, and starts it
   * again on them (the same ports), as `./veritally start` run a second time does.
   */
  restart(): Promise<TestStack>;
  dispose(): Promise<void>;
}

type TestStackOverrides = Partial<
  Pick<StackOptions, "relayerEnv" | "indexerEnv" | "rpcProxy" | "withPortal" | "blockMs" | "chain">
> & {
  embeddedPostgres?: boolean;
};

interface TestStackPlace {
  dataDir: string;
  databaseNames: { relayer: string; indexer: string };
  ports: StackOptions["ports"];
  embeddedPostgresPort: number | undefined;
}

export async function startTestStack(label: string, overrides: TestStackOverrides = {}): Promise<TestStack> {
  if (!overrides.embeddedPostgres) await ensurePostgres();
  const dataDir = await mkdtemp(path.join(tmpdir(), `vt-${label}-`));
  await chmod(dataDir, 0o755); // an embedded Postgres runs as its own user when we are root
  const suffix = `${label.replace(/[^a-z0-9]/g, "_")}_${Math.random().toString(36).slice(2, 8)}`;
  return launchTestStack(
    {
      dataDir,
      databaseNames: { relayer: `vt_e2e_relayer_${suffix}`, indexer: `vt_e2e_indexer_${suffix}` },
      ports: {
        chain: await freePort(),
        relayer: await freePort(),
        graphql: await freePort(),
        portal: await freePort(),
      },
      embeddedPostgresPort: overrides.embeddedPostgres ? await freePort() : undefined,
    },
    overrides,
  );
}

async function launchTestStack(place: TestStackPlace, overrides: TestStackOverrides): Promise<TestStack> {
  const { dataDir, databaseNames } = place;
  const log: string[] = [];
  const stack = await startStack({
    dataDir,
    databaseNames,
    ports: place.ports,
    blockMs: overrides.blockMs ?? 1000,
    relayerEnv: { LOG_LEVEL: "warn", MAX_WAIT_MS: "300", ...overrides.relayerEnv },
    indexerEnv: { FINALITY_CONFIRMATION: "10", ...overrides.indexerEnv },
    rpcProxy: overrides.rpcProxy ?? false,
    ...(overrides.chain ? { chain: overrides.chain } : {}),
    withPortal: overrides.withPortal ?? true,
    ...(place.embeddedPostgresPort ? { embeddedPostgresPort: place.embeddedPostgresPort } : {}),
    onProgress: (m) => log.push(m),
  }).catch((error: Error) => {
    throw new Error(`${error.message}\nstartup log:\n${log.join("\n")}`);
  });
  // No answer cache: ethers keeps answers 250 ms, and a block read just before a revert or reorg
  // would be served again after it (a test saw its own transaction 'replaced' by a reverted one).
  const provider = new JsonRpcProvider(stack.rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval: 200,
    cacheTimeout: -1,
  });
  const manager = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, provider));
  const clients = await registerClients(stack.urls.relayer, stack.adminApiKey, 3);
  return {
    ...stack,
    clients,
    provider,
    manager,
    async restart() {
      provider.destroy();
      await stack.stop();
      return launchTestStack(place, overrides);
    },
    async dispose() {
      provider.destroy();
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
      // On a shared server the databases would outlive the test (an embedded one went with dataDir).
      if (stack.postgres.kind !== "embedded") {
        await Promise.all(Object.values(databaseNames).map((name) => dropDatabase(stack.postgres.serverUrl, name)));
      }
    },
  };
}

/** Creates an election directly on chain (the deployer holds the manager role); the relayer reads it from there. */
export async function newElection(stack: TestStack, electionId: number, choiceCount = 4): Promise<void> {
  const registry = connectVoteRegistry(stack.deployment.address, stack.manager);
  const now = (await stack.provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
  await createElection(registry, {
    electionId,
    metadata: {
      title: `Election ${electionId}`,
      description: "",
      choices: Array.from({ length: choiceCount }, (_, i) => `Choice ${i}`),
    },
    opensAt: now - 5,
    closesAt: now + 7 * 86400,
    recordUntil: now + 8 * 86400,
  });
}

export interface AcceptedVote {
  refHex: string;
  receipt: string;
  choice: number;
  voteHash: string;
  voterId: string;
}

export interface LoadResult {
  accepted: AcceptedVote[];
  /** Second attempts of voters who already voted, without an idempotency key: must all be 409. */
  duplicateStatuses: number[];
  /** Retries with the same Idempotency-Key: must return the same ref. */
  retriesMatched: number;
  retries: number;
  /** Requests that failed without a 202 (e.g. 503 while the database was down); their voters never voted. */
  unaccepted: number;
  /** 5xx answers other than 503 (a fault must surface as "try again", never as an internal error). */
  internalErrors: number;
}

/**
 * Sends `votes` votes from the clients, `concurrency` at a time. A share of them is retried with
 * the same Idempotency-Key, and a share of voters tries to vote again. Requests that fail (503
 * during an outage, a dropped connection) are retried with the same key until accepted or refused,
 * as a voting front end would; the drills rely on that.
 */
export async function runLoad(
  stack: TestStack,
  o: {
    electionId: number;
    votes: number;
    concurrency?: number;
    choiceCount?: number;
    tag?: string;
    /** Each sender waits this long between its votes, so the votes keep flowing for a while. */
    paceMs?: number;
  },
): Promise<LoadResult> {
  const result: LoadResult = {
    accepted: [],
    duplicateStatuses: [],
    retriesMatched: 0,
    retries: 0,
    unaccepted: 0,
    internalErrors: 0,
  };
  const note = (status: number | undefined) => {
    if (status !== undefined && status >= 500 && status !== 503) result.internalErrors++;
  };
  const tag = o.tag ?? Math.random().toString(36).slice(2, 8);
  let next = 0;
  const worker = async () => {
    while (next < o.votes) {
      const i = next++;
      if (o.paceMs) await new Promise((r) => setTimeout(r, o.paceMs));
      const client = stack.clients[i % stack.clients.length] as SimulatedClient;
      const voterId = `e2e-${tag}-${i}`;
      const choice = (i * 7 + 3) % (o.choiceCount ?? 4);
      const key = `${tag}-${i}`;
      let outcome: Awaited<ReturnType<typeof castVote>> | undefined;
      for (let attempt = 0; attempt < 60; attempt++) {
        outcome = await castVote(stack.urls.relayer, client, o.electionId, voterId, choice, {
          "idempotency-key": key,
        }).catch(() => undefined);
        note(outcome?.status);
        if (outcome && (outcome.status === 202 || (outcome.status >= 400 && outcome.status < 500))) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      if (outcome?.status !== 202 || !outcome.body) {
        result.unaccepted++;
        continue;
      }
      const body = outcome.body as { refHex: string; receipt: string; voteHash: string };
      result.accepted.push({ refHex: body.refHex, receipt: body.receipt, voteHash: body.voteHash, choice, voterId });
      if (i % 10 === 0) {
        // The front end retries the same request (same key), e.g. after a lost answer.
        result.retries++;
        let again: Awaited<ReturnType<typeof castVote>> | undefined;
        for (let attempt = 0; attempt < 60; attempt++) {
          again = await castVote(stack.urls.relayer, client, o.electionId, voterId, choice, {
            "idempotency-key": key,
          }).catch(() => undefined);
          note(again?.status);
          if (again && again.status < 500) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        if (again?.status === 202 && (again.body as { refHex?: string })?.refHex === body.refHex)
          result.retriesMatched++;
      }
      if (i % 17 === 0) {
        // A second vote of the same voter, as a new request (no key); retried like any request on 5xx.
        let status = 0;
        for (let attempt = 0; attempt < 60; attempt++) {
          const dup = await castVote(
            stack.urls.relayer,
            client,
            o.electionId,
            voterId,
            (choice + 1) % (o.choiceCount ?? 4),
          ).catch(() => undefined);
          status = dup?.status ?? 0;
          note(dup?.status);
          if (status >= 200 && status < 500) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        result.duplicateStatuses.push(status);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 20 }, worker));
  return result;
}

const registryAbi = JSON.parse(readFileSync(path.join(repoRoot, "contracts/abi/VoteRegistry.json"), "utf8"));
const plainInterface = new Interface(registryAbi);

export interface ChainVote {
  seq: number;
  ref: string;
  choice: number;
  voteHash: string;
}

/** Every VoteRecorded event of the election, read with eth_getLogs and a plain ethers Interface. */
export async function chainVotes(stack: TestStack, electionId: number): Promise<ChainVote[]> {
  const topic = plainInterface.getEvent("VoteRecorded")?.topicHash as string;
  const head = await stack.provider.getBlockNumber();
  const out: ChainVote[] = [];
  for (let from = stack.deployment.deploymentBlock; from <= head; from += 5000) {
    const logs = await stack.provider.getLogs({
      address: stack.deployment.address,
      topics: [topic, `0x${electionId.toString(16).padStart(64, "0")}`],
      fromBlock: from,
      toBlock: Math.min(head, from + 4999),
    });
    for (const log of logs) {
      const parsed = plainInterface.parseLog(log);
      if (!parsed) continue;
      out.push({
        seq: Number(parsed.args.seq),
        ref: String(parsed.args.ref).toLowerCase(),
        choice: Number(parsed.args.choice),
        voteHash: String(parsed.args.voteHash).toLowerCase(),
      });
    }
  }
  return out;
}

async function indexerElection(stack: TestStack, electionId: number) {
  const client = new pg.Client({ connectionString: stack.databases.indexer });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select total_votes, tally, missing_seq_count, duplicate_ref_count, duplicate_hash_count from election where id = $1",
      [String(electionId)],
    );
    return rows[0] as
      | {
          total_votes: number;
          tally: number[];
          missing_seq_count: string;
          duplicate_ref_count: number;
          duplicate_hash_count: number;
        }
      | undefined;
  } finally {
    await client.end();
  }
}

/**
 * The drills' shared verdict: every accepted vote is on chain exactly once with its choice and
 * hash, the sequence has no gap, every receipt reproduces its hash, the indexer's tally equals
 * the choices sent, and every duplicate attempt was refused.
 */
export async function expectAllRecorded(
  stack: TestStack,
  electionId: number,
  load: LoadResult,
  timeoutMs = 180_000,
): Promise<void> {
  const registry = connectVoteRegistry(stack.deployment.address, stack.provider);
  await waitUntil(
    `all ${load.accepted.length} accepted votes of election ${electionId} on chain`,
    async () => Number(await registry.nextSeq(electionId)) >= load.accepted.length,
    { timeoutMs, intervalMs: 500, logFile: stack.supervisor.get("relayer-worker")?.logFile },
  );
  const onChain = await chainVotes(stack, electionId);
  expect(onChain.length, "votes on chain").toBe(load.accepted.length);
  expect(onChain.map((v) => v.seq).sort((a, b) => a - b)).toEqual(onChain.map((_, i) => i));
  const byRef = new Map(onChain.map((v) => [v.ref, v]));
  expect(byRef.size, "distinct refs on chain").toBe(onChain.length);
  for (const vote of load.accepted) {
    const recorded = byRef.get(vote.refHex.toLowerCase());
    expect(recorded, `vote ${vote.refHex} on chain`).toBeDefined();
    expect(recorded?.choice).toBe(vote.choice);
    expect(recorded?.voteHash).toBe(vote.voteHash.toLowerCase());
    const recomputed = computeVoteHash({
      chainId: stack.deployment.chainId,
      registry: stack.deployment.address,
      electionId,
      ref: vote.refHex,
      choice: vote.choice,
      receiptSecret: decodeReceipt(vote.receipt),
    });
    expect(recomputed).toBe(recorded?.voteHash);
  }
  expect(
    load.duplicateStatuses.every((s) => s === 409),
    `duplicate attempts: ${load.duplicateStatuses}`,
  ).toBe(true);
  expect(load.retriesMatched).toBe(load.retries);

  const sent = new Array(4).fill(0);
  for (const v of load.accepted) sent[v.choice]++;
  await waitUntil(
    `the indexer to count election ${electionId}`,
    async () => (await indexerElection(stack, electionId))?.total_votes === load.accepted.length,
    { timeoutMs: 60_000, intervalMs: 500, logFile: stack.supervisor.get("indexer-processor")?.logFile },
  );
  const indexed = await indexerElection(stack, electionId);
  expect(indexed?.tally.slice(0, 4)).toEqual(sent);
  expect(Number(indexed?.missing_seq_count)).toBe(0);
  expect(indexed?.duplicate_ref_count).toBe(0);
  expect(indexed?.duplicate_hash_count).toBe(0);

  if (stack.urls.portal) {
    // The portal's cross-check of every vote, relayer against chain, must come out clean.
    let report: { verdict?: string; summary?: string; matched?: number } = {};
    await waitUntil(
      `a clean cross-check of election ${electionId} (last: ${report.summary ?? "none"})`,
      async () => {
        const res = await fetch(`${stack.urls.portal}/api/elections/${electionId}/cross-check.json`);
        report = (await res.json()) as typeof report;
        return report.verdict === "consistent";
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(report.matched).toBe(load.accepted.length);
  }
}
