/**
 * `npm run migration:generate -w indexer` and `npm run migration:apply -w indexer`.
 *
 * Same output and behaviour as squid-typeorm-migration (a CommonJS class per migration in
 * db/migrations at the repo root), but with this repo's layout: models in indexer/src/model,
 * migrations at the root. The database comes from DB_URL or DB_* (see indexer/README.md).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataSource } from "typeorm";
import { databaseUrlFromEnv, redactUrl } from "../src/database-url.js";
import { applyMigrations, dataSourceOptions, ensureDatabase, migrationsDir } from "../src/db.js";
import { touchesDeferredIndex } from "../src/deferred-indexes.js";

type Query = { query: string; parameters?: unknown[] };

function queryCall(q: Query): string {
  const params = q.parameters?.length ? `, ${JSON.stringify(q.parameters)}` : "";
  return `await db.query(\`${q.query}\`${params})`;
}

async function generate(url: string, name: string): Promise<void> {
  await ensureDatabase(url);
  const source = new DataSource(dataSourceOptions(url));
  await source.initialize();
  let up: Query[];
  let down: Query[];
  try {
    const pending = await source.showMigrations();
    if (pending) throw new Error("the database has unapplied migrations: run migration:apply first");
    const sql = await source.driver.createSchemaBuilder().log();
    // The models declare the vote table's lookup indexes; the indexer builds them itself at the head.
    up = sql.upQueries.filter((q) => !touchesDeferredIndex(q.query));
    down = sql.downQueries.filter((q) => !touchesDeferredIndex(q.query));
  } finally {
    await source.destroy().catch(() => {});
  }
  if (up.length === 0) {
    console.error("No changes in database schema were found - cannot generate a migration.");
    process.exitCode = 1;
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const lines = [
    `module.exports = class ${className} {`,
    `    name = '${className}'`,
    "",
    "    async up(db) {",
    ...up.map((q) => `        ${queryCall(q)}`),
    "    }",
    "",
    "    async down(db) {",
    ...down.map((q) => `        ${queryCall(q)}`),
    "    }",
    "}",
    "",
  ];
  mkdirSync(migrationsDir, { recursive: true });
  const file = path.join(migrationsDir, `${timestamp}-${name}.js`);
  writeFileSync(file, lines.join("\n"));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

const [command, ...args] = process.argv.slice(2);
const url = databaseUrlFromEnv();
if (command === "generate") {
  const nameIndex = args.indexOf("--name");
  const name = nameIndex >= 0 ? (args[nameIndex + 1] ?? "Data") : "Data";
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error("--name: letters and digits only");
  await generate(url, name);
} else if (command === "apply") {
  const applied = await applyMigrations(url, (line) => console.log(line));
  console.log(
    applied.length ? `${redactUrl(url)}: ${applied.length} migration(s) applied` : `${redactUrl(url)}: up to date`,
  );
} else {
  console.error("usage: tsx scripts/migration.ts generate [--name Name] | apply");
  process.exitCode = 2;
}
