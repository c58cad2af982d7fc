import { spawn } from "node:child_process";
import { LOCAL_ACCOUNTS } from "@veritally/contracts";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import { freePort, startLocalNode } from "@veritally/contracts/local-node";
import autocannon from "autocannon";
import { NonceManager, Wallet } from "ethers";
import { createTestDatabase } from "../test-helpers/postgres.js";

const node = await startLocalNode({ blockMs: 0 });
const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
const { registry, deployment } = await deployVoteRegistry({ deployer, relayer: LOCAL_ACCOUNTS.relayer.address });
const now = Math.floor(Date.now() / 1000);
await createElection(registry, {
  electionId: 1,
  metadata: { title: "B", description: "", choices: ["A", "B"] },
  opensAt: now - 3600,
  closesAt: now + 86400,
  recordUntil: now + 90000,
});
const db = await createTestDatabase("prof");
const port = await freePort();
const child = spawn(
  process.execPath,
  [
    ...(process.env.NOPROF ? [] : ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]),
    "--import",
    "tsx",
    "relayer/src/server.ts",
  ],
  {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      RPC_URLS: node.rpcUrl,
      REGISTRY_ADDRESS: deployment.address,
      ADMIN_API_KEY: "bench-admin-key-0123456789abcdef",
      VOTER_ID_SECRET: "x".repeat(40),
      PORT: String(port),
      LOG_LEVEL: "warn",
      API_PROCESSES: process.env.AP ?? "1",
    },
    stdio: "inherit",
  },
);
const url = `http://127.0.0.1:${port}`;
for (;;) {
  try {
    if ((await fetch(`${url}/health`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 200));
}
const created = await fetch(`${url}/v1/admin/clients`, {
  method: "POST",
  headers: { authorization: "Bearer bench-admin-key-0123456789abcdef", "content-type": "application/json" },
  body: JSON.stringify({ name: "b", rateLimitPerMinute: 100000000 }),
});
const key = ((await created.json()) as { apiKey: { key: string } }).apiKey.key;
let n = 0;
const r = await autocannon({
  url,
  connections: 100,
  duration: Number(process.env.D ?? 8),
  requests: [
    {
      method: "POST",
      path: "/v1/elections/1/votes",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      setupRequest: (q) => ({ ...q, body: JSON.stringify({ voterId: `v${n++}`, choice: n % 2 }) }),
    },
  ],
});
console.log(r.requests.average, r.latency.p50, r.latency.p99, r.non2xx, r.errors);
child.kill("SIGTERM");
await new Promise((res) => child.once("exit", res));
await node.stop();
await db.drop();
