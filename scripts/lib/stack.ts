/**
 * The whole local system as one unit: database, chain (resumed from its journal when there is
 * one), contract and demo election, relayer API and worker, indexer processor and GraphQL server,
 * portal. `./veritally start` runs it with the default ports; the end-to-end test and the fault
 * drills run it with free ports and a temporary data folder.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_ACCOUNTS, LOCAL_CHAIN_ID } from "@veritally/contracts";
import { startAnvilNode } from "@veritally/contracts/anvil-node";
import { ensureContractsBuilt } from "@veritally/contracts/build";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import { type Deployment, readDeploymentFile, writeDeployment } from "@veritally/contracts/deployment";
import { type LocalNode, rpcAnswers, startLocalNode } from "@veritally/contracts/local-node";
import { indexerProcesses, prepareIndexer } from "@veritally/indexer/launch";
import { ensureAuditLogin } from "@veritally/portal/audit-role";
import { NonceManager, Wallet } from "ethers";
import pg from "pg";
import { startTcpProxy, type TcpProxy } from "../../test-helpers/tcp-proxy.js";
import { type ChainRecorder, readJournal, replayJournal, resetJournal, startChainRecorder } from "./chain-journal.js";
import { ensureDatabase, type PostgresServer, provisionPostgres } from "./database.js";
import { createSupervisor, httpOk, type Supervisor, waitUntil } from "./supervisor.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface StackOptions {
  /** Where the chain journal, secrets, logs and (if needed) the embedded Postgres live. */
  dataDir: string;
  /** DATABASE_URL: a Postgres server to use instead of the local one. */
  databaseUrl?: string | undefined;
  databaseNames?: { relayer: string; indexer: string };
  /** A real network instead of the local chain: RPC URL and an existing deployment file. */
  external?: { rpcUrls: string[]; deploymentFile: string } | undefined;
  ports: { chain: number; relayer: number; graphql: number; portal: number };
  blockMs: number;
  /**
   * The local chain: Hardhat's node (default; its blocks are journaled, so a restart resumes it)
   * or anvil (`finalized` is head − 2 × slotsInAnEpoch; with `persist`, kept in the data folder's
   * chain/anvil-state.json and loaded again at the next start, in well under a second).
   */
  chain?: { kind: "hardhat" } | { kind: "anvil"; slotsInAnEpoch?: number; persist?: boolean };
  /** Extra environment for the relayer processes (fees, batch sizes, …). */
  relayerEnv?: Record<string, string>;
  indexerEnv?: Record<string, string>;
  withPortal?: boolean;
  /** Own embedded Postgres on a free port (drills that restart the database). */
  embeddedPostgresPort?: number;
  /** Put a cuttable TCP proxy between the chain and the relayer and indexer (RPC outage drill). */
  rpcProxy?: boolean;
  onProgress?: (message: string) => void;
}

export interface Stack {
  /** The chain's own RPC URL (the relayer and indexer reach it through `proxy` when there is one). */
  rpcUrl: string;
  deployment: Deployment;
  urls: { relayer: string; graphql: string; portal: string | undefined };
  databases: { relayer: string; indexer: string };
  adminApiKey: string;
  node: LocalNode | undefined;
  postgres: PostgresServer;
  proxy: TcpProxy | undefined;
  supervisor: Supervisor;
  resumed: boolean;
  stop(): Promise<void>;
}

/** Block 0's hash: what tells a saved chain from another one. */
async function genesisHashOf(provider: {
  getBlock(n: number): Promise<{ hash: string | null } | null>;
}): Promise<string> {
  const hash = (await provider.getBlock(0))?.hash;
  if (!hash) throw new Error("the local chain has no block 0: it did not start properly");
  return hash;
}

async function secretFile(dir: string, name: string, bytes: number): Promise<string> {
  const file = path.join(dir, name);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(file, randomBytes(bytes).toString("base64url"), { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return file;
}

/** Drops a database of the server (and whoever is still connected to it), if it is there. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

interface ChainState {
  node: LocalNode;
  recorder: ChainRecorder;
  resumed: boolean;
  genesisHash: string;
}

/** Starts the local chain, replaying the journal when there is one. */
async function startChain(options: StackOptions, say: (m: string) => void): Promise<ChainState> {
  const journalDir = path.join(options.dataDir, "chain");
  const rpcUrl = `http://127.0.0.1:${options.ports.chain}`;
  if (await rpcAnswers(rpcUrl)) throw new Error(`something already answers JSON-RPC on ${rpcUrl}: stop it first`);
  let journal = await readJournal(journalDir);
  // Mine only on request until the saved chain is back; then the chosen block interval.
  const genesisDate = journal?.genesisDate ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const node = await startLocalNode({ port: options.ports.chain, blockMs: -1, genesisDate, ownProcessGroup: true });
  try {
    const genesisHash = await genesisHashOf(node.provider);
    let resumed = false;
    if (journal && journal.genesisHash === genesisHash && journal.blocks.length > 0) {
      say(`replaying the saved chain (${journal.blocks.length} blocks)`);
      await replayJournal(node.rpcUrl, journal, (done, total) => say(`  replayed ${done}/${total} blocks`));
      resumed = true;
    } else {
      await resetJournal(journalDir, genesisDate, genesisHash);
      journal = await readJournal(journalDir);
    }
    // Catch the chain's clock up with the wall clock, then mine on the interval.
    const last = await node.provider.getBlock("latest");
    const now = Math.floor(Date.now() / 1000);
    if (last && now > last.timestamp) {
      await node.provider.send("evm_setNextBlockTimestamp", [now]);
      await node.provider.send("evm_mine", []);
    }
    if (options.blockMs > 0) await node.provider.send("evm_setIntervalMining", [options.blockMs]);
    else await node.provider.send("evm_setAutomine", [true]);
    if (!journal) throw new Error("chain journal missing");
    const recorder = startChainRecorder({
      dir: journalDir,
      provider: node.provider,
      journal,
      onError: (e) => say(`chain journal: ${e.message}`),
    });
    return { node, recorder, resumed, genesisHash };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/** anvil, mining a block every `blockMs` (whole seconds, at least one) from the start. */
async function startAnvilChain(
  options: StackOptions,
  slotsInAnEpoch: number | undefined,
  stateFile: string | undefined,
): Promise<LocalNode> {
  const rpcUrl = `http://127.0.0.1:${options.ports.chain}`;
  if (await rpcAnswers(rpcUrl)) throw new Error(`something already answers JSON-RPC on ${rpcUrl}: stop it first`);
  return startAnvilNode({
    port: options.ports.chain,
    blockTime: options.blockMs > 0 ? Math.max(1, Math.round(options.blockMs / 1000)) : 0,
    ...(slotsInAnEpoch !== undefined ? { slotsInAnEpoch } : {}),
    // Written on a clean stop; also every minute, so a chain that crashed comes back nearly whole
    // (what it lost is a reorg to the services, which they follow).
    ...(stateFile ? { stateFile, stateIntervalSeconds: 60, ownProcessGroup: true } : {}),
  });
}

async function deployLocal(node: LocalNode, deploymentsDir: string, say: (m: string) => void): Promise<Deployment> {
  const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
  const { deployment, registry } = await deployVoteRegistry({
    deployer,
    relayer: LOCAL_ACCOUNTS.relayer.address,
    onProgress: (m) => say(`  ${m}`),
  });
  await writeDeployment(deployment, deploymentsDir);
  const now = (await node.provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
  await createElection(registry, {
    electionId: 1,
    metadata: {
      title: "Demo: where should the town spend its 2027 budget?",
      description: "A demonstration election on the local chain, fed by the vote simulator.",
      choices: ["Parks", "Library", "Bike lanes", "Schools"],
      contact: "observers@example.org",
    },
    opensAt: now,
    closesAt: now + 30 * 86400,
    recordUntil: now + 30 * 86400 + 3600,
  });
  say("  created demo election 1 (open for 30 days)");
  return deployment;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const say = options.onProgress ?? (() => {});
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  };
  try {
    await mkdir(options.dataDir, { recursive: true });
    say("database");
    const server: PostgresServer = await provisionPostgres({
      databaseUrl: options.databaseUrl,
      dataDir: path.join(options.dataDir, "postgres"),
      onProgress: (m) => say(`  ${m}`),
      ...(options.embeddedPostgresPort ? { forceEmbedded: true, embeddedPort: options.embeddedPostgresPort } : {}),
    });
    cleanups.push(() => server.stop());
    say(`  using ${server.kind === "embedded" ? "the embedded Postgres" : new URL(server.serverUrl).host}`);
    const names = options.databaseNames ?? { relayer: "veritally_relayer", indexer: "veritally_indexer" };

    let node: LocalNode | undefined;
    let rpcUrls: string[];
    let deployment: Deployment;
    let resumed = false;
    const deploymentsDir = path.join(options.dataDir, "deployments");
    if (options.external) {
      rpcUrls = options.external.rpcUrls;
      deployment = await readDeploymentFile(options.external.deploymentFile);
      say(`chain: ${rpcUrls[0]} (chain ${deployment.chainId}), registry ${deployment.address}`);
    } else {
      // A fresh clone has no artifacts yet: compile before anything needs them.
      await ensureContractsBuilt({ onProgress: (m) => say(`  ${m}`) });
      let genesisHash: string;
      if (options.chain?.kind === "anvil") {
        const stateFile = options.chain.persist ? path.join(options.dataDir, "chain", "anvil-state.json") : undefined;
        const saved = stateFile !== undefined && existsSync(stateFile);
        say(`anvil on 127.0.0.1:${options.ports.chain}${saved ? " (loading the saved chain)" : ""}`);
        if (stateFile) await mkdir(path.dirname(stateFile), { recursive: true });
        const anvil = await startAnvilChain(options, options.chain.slotsInAnEpoch, stateFile);
        node = anvil;
        cleanups.push(() => anvil.stop());
        genesisHash = await genesisHashOf(anvil.provider);
        resumed = saved && (await anvil.provider.getBlockNumber()) > 0;
      } else {
        say(`chain on 127.0.0.1:${options.ports.chain}`);
        const chain = await startChain(options, say);
        node = chain.node;
        cleanups.push(() => chain.node.stop());
        cleanups.push(() => chain.recorder.stop());
        resumed = chain.resumed;
        genesisHash = chain.genesisHash;
      }
      rpcUrls = [node.rpcUrl];
      // The databases belong to one chain: after a new chain, start them afresh.
      const stateFile = path.join(options.dataDir, "state.json");
      const state = existsSync(stateFile) ? JSON.parse(await readFile(stateFile, "utf8")) : {};
      const freshChain = options.chain?.kind === "anvil" && !options.chain.persist;
      if (freshChain || state.genesisHash !== genesisHash) {
        if (state.genesisHash) say("  the saved chain could not be resumed: starting the databases afresh");
        resumed = false;
        await dropDatabase(server.serverUrl, names.relayer);
        await dropDatabase(server.serverUrl, names.indexer);
      }
      const deploymentFile = path.join(deploymentsDir, `${LOCAL_CHAIN_ID}.json`);
      const existing = resumed && existsSync(deploymentFile) ? await readDeploymentFile(deploymentFile) : undefined;
      if (existing && (await node.provider.getCode(existing.address)) !== "0x") {
        deployment = existing;
        say(`  resumed at block ${await node.provider.getBlockNumber()}; VoteRegistry ${deployment.address}`);
      } else {
        say("deploying VoteRegistry");
        deployment = await deployLocal(node, deploymentsDir, say);
      }
      await writeFile(stateFile, `${JSON.stringify({ genesisHash }, null, 2)}\n`);
    }
    let proxy: TcpProxy | undefined;
    if (options.rpcProxy && node) {
      const started = await startTcpProxy(node.rpcUrl);
      proxy = started;
      cleanups.push(() => started.close());
      rpcUrls = [started.url];
    }
    const relayerDb = await ensureDatabase(server.serverUrl, names.relayer);
    const indexerDb = await ensureDatabase(server.serverUrl, names.indexer);

    const secrets = path.join(options.dataDir, "secrets");
    const adminKeyFile = await secretFile(secrets, "admin-api-key", 24);
    const voterSecretFile = await secretFile(secrets, "voter-id-secret", 32);
    const supervisor = createSupervisor({ logDir: path.join(options.dataDir, "logs"), onEvent: say });
    cleanups.push(() => supervisor.stopAll());
    const node22 = process.execPath;

    say("relayer (API and worker)");
    const relayerEnv = {
      DATABASE_URL: relayerDb,
      RPC_URLS: rpcUrls.join(","),
      CHAIN_ID: String(deployment.chainId),
      REGISTRY_ADDRESS: deployment.address,
      ADMIN_API_KEY_FILE: adminKeyFile,
      VOTER_ID_SECRET_FILE: voterSecretFile,
      HOST: "127.0.0.1",
      PORT: String(options.ports.relayer),
      ...options.relayerEnv,
    };
    const relayerRoot = path.join(repoRoot, "relayer");
    const api = supervisor.start({
      name: "relayer-api",
      command: node22,
      args: ["--import", "tsx", "src/server.ts"],
      cwd: relayerRoot,
      env: relayerEnv,
    });
    const relayerUrl = `http://127.0.0.1:${options.ports.relayer}`;
    await waitUntil("the relayer API", () => httpOk(`${relayerUrl}/ready`), {
      logFile: api.logFile,
      timeoutMs: 90_000,
    });
    supervisor.start({
      name: "relayer-worker",
      command: node22,
      args: ["--import", "tsx", "src/worker.ts"],
      cwd: relayerRoot,
      env: relayerEnv,
    });

    say("indexer (processor and GraphQL server)");
    const indexerEnv = {
      DB_URL: indexerDb,
      RPC_URL: rpcUrls[0] as string,
      CONTRACT_ADDRESS: deployment.address,
      START_BLOCK: String(deployment.deploymentBlock),
      GQL_PORT: String(options.ports.graphql),
      ...options.indexerEnv,
    };
    await prepareIndexer();
    for (const spec of indexerProcesses(node22)) {
      supervisor.start({
        name: spec.name,
        command: spec.command,
        args: spec.args,
        cwd: spec.cwd,
        env: indexerEnv,
        fatalExitCodes: Object.keys(spec.exitCodes)
          .map(Number)
          .filter((c) => c === 3),
      });
    }
    const graphqlUrl = `http://127.0.0.1:${options.ports.graphql}/graphql`;
    await waitUntil(
      "the indexer's GraphQL server",
      async () => {
        const res = await fetch(graphqlUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: "{ __typename }" }),
          signal: AbortSignal.timeout(2000),
        });
        return res.ok;
      },
      { logFile: supervisor.get("indexer-graphql")?.logFile, timeoutMs: 90_000 },
    );

    let portalUrl: string | undefined;
    if (options.withPortal !== false && existsSync(path.join(repoRoot, "portal", "src"))) {
      say("portal (building it first if its sources changed)");
      try {
        // The portal reads the relayer's database only as a member of veritally_audit_reader.
        const auditPassword = (await readFile(await secretFile(secrets, "portal-audit-password", 24), "utf8")).trim();
        const auditUrl = await ensureAuditLogin({
          adminUrl: relayerDb,
          role: "veritally_portal",
          password: auditPassword,
        });
        const auditUrlFile = path.join(secrets, "portal-audit-database-url");
        await writeFile(auditUrlFile, auditUrl, { mode: 0o600 });
        portalUrl = await startPortal(supervisor, path.join(options.dataDir, "logs"), {
          port: options.ports.portal,
          indexerDb,
          auditUrlFile,
          relayerUrl,
          adminKeyFile,
          portalPasswordFile: await secretFile(secrets, "portal-admin-password", 18),
          deployment,
        });
      } catch (error) {
        // The audit portal is a reader: the rest of the system runs without it.
        say(`  the portal did not start: ${(error as Error).message}`);
      }
    }

    return {
      rpcUrl: node?.rpcUrl ?? (rpcUrls[0] as string),
      deployment,
      urls: { relayer: relayerUrl, graphql: graphqlUrl, portal: portalUrl },
      databases: { relayer: relayerDb, indexer: indexerDb },
      adminApiKey: (await readFile(adminKeyFile, "utf8")).trim(),
      node,
      postgres: server,
      proxy,
      supervisor,
      resumed,
      stop: undo,
    };
  } catch (error) {
    await undo();
    throw error;
  }
}

/** Builds the portal when its build is missing or older than its sources, then serves it. */
async function startPortal(
  supervisor: Supervisor,
  logDir: string,
  o: Parameters<typeof import("./portal-launch.js").portalEnv>[0],
): Promise<string> {
  const portalRoot = path.join(repoRoot, "portal");
  const { buildPortalIfStale, portalServerArgs, portalEnv } = await import("./portal-launch.js");
  await buildPortalIfStale(path.join(logDir, "portal-build.log"));
  const service = supervisor.start({
    name: "portal",
    command: process.execPath,
    args: portalServerArgs(portalRoot),
    cwd: portalRoot,
    env: portalEnv(o),
  });
  const url = `http://127.0.0.1:${o.port}`;
  await waitUntil("the portal", () => httpOk(`${url}/`), { logFile: service.logFile, timeoutMs: 90_000 });
  return url;
}
