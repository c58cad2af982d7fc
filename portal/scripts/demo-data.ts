/**
 * `npm run demo:data -w portal`: two fresh databases on the local Postgres server
 * (veritally_portal_demo_indexer and veritally_portal_demo_relayer, dropped and recreated),
 * filled with a demo election as the indexer and the relayer would fill them, so the portal can
 * be worked on without a chain. Prints the environment to start the portal with.
 * Never touches any other database.
 */
import { migrate } from "@veritally/relayer/migrate";
import { ensureAuditLogin } from "../src/lib/audit-role.js";
import { applyIndexerMigrations, withClient } from "../src/testing/databases.js";
import { seedIndexerElection, seedIndexerStatus, seedRelayerElection } from "../src/testing/seed.js";

const server = process.env.DEMO_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const votes = Number(process.env.DEMO_VOTES ?? 20_000);

function urlOf(name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

async function recreate(name: string): Promise<string> {
  await withClient(server, async (c) => {
    await c.query(`drop database if exists "${name}" with (force)`);
    await c.query(`create database "${name}"`);
  });
  return urlOf(name);
}

const indexerUrl = await recreate("veritally_portal_demo_indexer");
const relayerUrl = await recreate("veritally_portal_demo_relayer");
await applyIndexerMigrations(indexerUrl);
await migrate(relayerUrl);
const auditUrl = await ensureAuditLogin({
  adminUrl: relayerUrl,
  role: "veritally_portal_demo",
  password: "demo-password-only",
});

const now = Date.now();
const main = {
  id: "1",
  title: "City budget 2027: build the new library?",
  description: "Referendum on the central library project.",
  choices: ["Yes, build it", "No", "Blank vote"],
  votes,
  batchSize: 200,
  secondsPerBatch: 15,
  firstBatchAt: new Date(now - Math.ceil(votes / 200) * 15_000),
  opensAt: new Date(now - Math.ceil(votes / 200) * 15_000 - 600_000),
  closesAt: new Date(now + 3_600_000),
  firstBlock: 1000,
};
const second = {
  id: "2",
  title: "Board election",
  choices: ["Ada", "Grace", "Edsger", "Barbara"],
  votes: 700,
  batchSize: 50,
  firstBlock: 5000,
};
await withClient(indexerUrl, async (c) => {
  const seeded = await seedIndexerElection(c, main);
  await seedIndexerElection(c, second);
  await seedIndexerStatus(c, {
    height: Math.max(seeded.lastBlock, 5013) + 2,
    chainHead: Math.max(seeded.lastBlock, 5013) + 3,
  });
});
await withClient(relayerUrl, async (c) => {
  await seedRelayerElection(c, main, {
    queued: [{ ref: `0x${"ab".repeat(16)}`, choice: 0, voteHash: `0x${"cd".repeat(32)}` }],
  });
  await seedRelayerElection(c, second, { alter: (v) => (v.seq === 42 ? { ...v, choice: (v.choice + 1) % 4 } : v) });
});
console.log("Demo data written. Start the portal with:");
console.log(`  INDEXER_DATABASE_URL=${indexerUrl} RELAYER_AUDIT_DATABASE_URL=${auditUrl} npm run start -w portal`);
