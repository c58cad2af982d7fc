/**
 * The client's tests run against the real thing: a Hardhat node with VoteRegistry deployed, a fresh
 * Postgres database, and the relayer's API and worker as child processes (as `./veritally start`
 * runs them), reached over HTTP. A secret election is created through the relayer's admin API from
 * a real 2-of-3 ceremony record, so the key on chain is the trustees' joint key.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_ACCOUNTS } from "@veritally/contracts";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import { freePort, type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import { csprng, electionKeyToJson } from "@veritally/crypto/trustee";
import { type HonestCeremony, runHonestCeremony } from "@veritally/crypto/trustee/testing";
import { NonceManager, Wallet } from "ethers";
import { type ChildHandle, spawnWithOutput } from "../../test-helpers/child-process.js";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { waitFor } from "../../test-helpers/wait.js";

const relayerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../relayer");
export const ADMIN_KEY = "client-test-admin-key-0123456789abcdef";

export interface RelayerStack {
  node: LocalNode;
  registryAddress: string;
  chainId: bigint;
  relayerUrl: string;
  clientKey: string;
  deployer: NonceManager;
  /** What the relayer's processes wrote, for a failing test's message. */
  output(): string;
  admin(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Creates a secret election through the admin API and waits until it is on chain. */
  createSecretElection(id: bigint, choices: string[]): Promise<HonestCeremony>;
  /** Creates an open election directly on chain (the relayer reads it from there). */
  createOpenElection(id: bigint, choices: number): Promise<void>;
  stop(): Promise<void>;
}

const bytes32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, "0"), "hex");

export async function startRelayerStack(label: string): Promise<RelayerStack> {
  const node = await startLocalNode({ blockMs: 0 });
  let db: TestDatabase | undefined;
  const children: ChildHandle[] = [];
  try {
    const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
    const { registry, deployment } = await deployVoteRegistry({ deployer, relayer: LOCAL_ACCOUNTS.relayer.address });
    db = await createTestDatabase(label);
    const port = await freePort();
    const relayerUrl = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      RPC_URLS: node.rpcUrl,
      CHAIN_ID: String(deployment.chainId),
      REGISTRY_ADDRESS: deployment.address,
      ADMIN_API_KEY: ADMIN_KEY,
      VOTER_ID_SECRET: "client-test-voter-secret-0123456789abcdef0123",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      MAX_WAIT_MS: "100",
      CONFIRMATIONS: "1",
    };
    const api = spawnWithOutput(process.execPath, ["--import", "tsx", "src/server.ts"], { cwd: relayerRoot, env });
    children.push(api);
    await waitFor(
      "the relayer API ready",
      async () => {
        if (api.process.exitCode !== null) throw new Error(`the relayer API exited:\n${api.output()}`);
        const res = await fetch(`${relayerUrl}/ready`).catch(() => null);
        return res?.ok === true;
      },
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${api.output()}`);
    });
    children.push(spawnWithOutput(process.execPath, ["--import", "tsx", "src/worker.ts"], { cwd: relayerRoot, env }));

    const admin = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${relayerUrl}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const created = await admin("POST", "/v1/admin/clients", { name: "client sdk test" });
    if (created.status !== 201) throw new Error(`creating a client failed: ${JSON.stringify(created)}`);
    const clientKey = (created.body as { apiKey: { key: string } }).apiKey.key;
    const chainId = BigInt(deployment.chainId);
    const output = () => children.map((c) => c.output()).join("\n---\n");

    return {
      node,
      registryAddress: deployment.address,
      chainId,
      relayerUrl,
      clientKey,
      deployer,
      output,
      admin,
      async createSecretElection(id, choices) {
        const ceremony = runHonestCeremony(
          {
            chainId,
            registry: Buffer.from(deployment.address.slice(2), "hex"),
            electionId: bytes32(id),
            trustees: 3,
            threshold: 2,
          },
          csprng,
        );
        const now = Date.now();
        const res = await admin("POST", "/v1/admin/elections", {
          metadata: { title: `Secret ${id}`, description: "", choices },
          opensAt: new Date(now - 60_000).toISOString(),
          closesAt: new Date(now + 3_600_000).toISOString(),
          recordUntil: new Date(now + 7_200_000).toISOString(),
          ceremonyRecord: electionKeyToJson(ceremony.record),
        });
        if (res.status !== 202) throw new Error(`creating secret election ${id}: ${JSON.stringify(res)}`);
        await waitFor(
          `secret election ${id} active`,
          async () => ((await admin("GET", `/v1/admin/elections/${id}`)).body as { state?: string }).state === "active",
          60_000,
        );
        return ceremony;
      },
      async createOpenElection(id, choices) {
        const block = await node.provider.getBlock("latest");
        const now = Math.max(block?.timestamp ?? 0, Math.floor(Date.now() / 1000));
        await createElection(registry, {
          electionId: id,
          metadata: {
            title: `Open ${id}`,
            description: "",
            choices: Array.from({ length: choices }, (_, i) => `C${i}`),
          },
          opensAt: now - 60,
          closesAt: now + 3600,
          recordUntil: now + 7200,
        });
      },
      async stop() {
        for (const c of children.reverse()) await c.stop();
        await node.stop();
        await db?.drop();
      },
    };
  } catch (error) {
    for (const c of children.reverse()) await c.stop();
    await node.stop();
    await db?.drop();
    throw error;
  }
}
