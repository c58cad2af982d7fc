/**
 * `npm run compare -w indexer -- --theirs https://…/graphql [--mine http://127.0.0.1:4350/graphql] [--votes]`
 *
 * Sets two indexers' answers side by side (yours and ours, say), at the lower of their two
 * heights so that one being ahead is no difference: per election, the votes and batches recorded
 * up to that block, the tally, and the highest seq; with --votes, every vote (seq, ref, choice,
 * vote hash, block). Exit 0 when they agree, 1 when they differ (each difference printed), 2 on
 * bad arguments or an unreachable server.
 */
import { pathToFileURL } from "node:url";

interface Gql {
  url: string;
  query<T>(query: string): Promise<T>;
}

function endpoint(url: string): Gql {
  return {
    url,
    async query<T>(query: string): Promise<T> {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await response.json().catch(() => null)) as { data?: T; errors?: { message: string }[] } | null;
      if (!response.ok || !body || body.errors?.length || !body.data) {
        throw new Error(`${url}: ${body?.errors?.[0]?.message ?? `HTTP ${response.status}`}`);
      }
      return body.data;
    },
  };
}

interface ElectionSummary {
  id: string;
  choiceCount: number;
  metadataHash: string;
  votes: number;
  batches: number;
  tally: number[];
  maxSeq: string | null;
}

async function height(gql: Gql): Promise<number> {
  const data = await gql.query<{ indexerStatuses: { height: number }[] }>("{ indexerStatuses(limit: 1) { height } }");
  const status = data.indexerStatuses[0];
  if (!status) throw new Error(`${gql.url}: no indexer status yet (has it indexed anything?)`);
  return status.height;
}

/** Aliased root fields, at most `perQuery` per request (the server limits root fields). */
async function counts(gql: Gql, fields: Record<string, string>, perQuery = 15): Promise<Record<string, unknown>> {
  const entries = Object.entries(fields);
  const result: Record<string, unknown> = {};
  for (let i = 0; i < entries.length; i += perQuery) {
    const chunk = entries.slice(i, i + perQuery);
    Object.assign(result, await gql.query(`{ ${chunk.map(([alias, field]) => `${alias}: ${field}`).join("\n")} }`));
  }
  return result;
}

async function summaries(gql: Gql, at: number): Promise<Map<string, ElectionSummary>> {
  const { elections } = await gql.query<{ elections: { id: string; choiceCount: number; metadataHash: string }[] }>(
    `{ elections(orderBy: id_ASC, limit: 10000, where: { createdAtBlock_lte: ${at} }) { id choiceCount metadataHash } }`,
  );
  const result = new Map<string, ElectionSummary>();
  for (const e of elections) {
    const where = (extra = "") =>
      `where: { election: { id_eq: ${JSON.stringify(e.id)} }, blockNumber_lte: ${at}${extra} }`;
    const fields: Record<string, string> = {
      votes: `votesConnection(orderBy: id_ASC, ${where()}) { totalCount }`,
      batches: `batchesConnection(orderBy: id_ASC, ${where()}) { totalCount }`,
      top: `votes(orderBy: seq_DESC, limit: 1, ${where()}) { seq }`,
    };
    for (let c = 0; c < e.choiceCount; c++) {
      fields[`c${c}`] = `votesConnection(orderBy: id_ASC, ${where(`, choice_eq: ${c}`)}) { totalCount }`;
    }
    const r = await counts(gql, fields);
    const total = (key: string) => (r[key] as { totalCount: number }).totalCount;
    result.set(e.id, {
      id: e.id,
      choiceCount: e.choiceCount,
      metadataHash: e.metadataHash,
      votes: total("votes"),
      batches: total("batches"),
      tally: Array.from({ length: e.choiceCount }, (_, c) => total(`c${c}`)),
      maxSeq: (r.top as { seq: string }[])[0]?.seq ?? null,
    });
  }
  return result;
}

async function* allVotes(gql: Gql, electionId: string, at: number) {
  let after = "-1";
  for (;;) {
    const { votes } = await gql.query<{
      votes: { seq: string; ref: string; choice: number; voteHash: string; blockNumber: number; blockHash: string }[];
    }>(
      `{ votes(orderBy: seq_ASC, limit: 1000, where: { election: { id_eq: ${JSON.stringify(electionId)} }, blockNumber_lte: ${at}, seq_gt: ${JSON.stringify(after)} }) { seq ref choice voteHash blockNumber blockHash } }`,
    );
    yield* votes;
    const last = votes[votes.length - 1];
    if (!last || votes.length < 1000) return;
    after = last.seq;
  }
}

export async function compareIndexers(mine: string, theirs: string, options: { votes?: boolean } = {}) {
  const a = endpoint(mine);
  const b = endpoint(theirs);
  const at = Math.min(await height(a), await height(b));
  const [sa, sb] = [await summaries(a, at), await summaries(b, at)];
  const differences: string[] = [];
  for (const id of new Set([...sa.keys(), ...sb.keys()])) {
    const x = sa.get(id);
    const y = sb.get(id);
    if (!x || !y) {
      differences.push(`election ${id}: only in ${x ? "mine" : "theirs"}`);
      continue;
    }
    for (const key of ["metadataHash", "votes", "batches", "tally", "maxSeq"] as const) {
      if (JSON.stringify(x[key]) !== JSON.stringify(y[key])) {
        differences.push(
          `election ${id}: ${key} ${JSON.stringify(x[key])} (mine) vs ${JSON.stringify(y[key])} (theirs)`,
        );
      }
    }
    if (options.votes) {
      const ia = allVotes(a, id, at);
      const ib = allVotes(b, id, at);
      for (;;) {
        const [va, vb] = await Promise.all([ia.next(), ib.next()]);
        if (va.done && vb.done) break;
        if (JSON.stringify(va.value) !== JSON.stringify(vb.value)) {
          differences.push(
            `election ${id}: vote ${JSON.stringify(va.value)} (mine) vs ${JSON.stringify(vb.value)} (theirs)`,
          );
          break;
        }
      }
    }
  }
  return { height: at, elections: sa.size, differences };
}

/** `npm run compare -w indexer -- --theirs URL [--mine URL] [--votes]`; returns the exit code. */
export async function compareCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const theirs = value("--theirs");
  const mine = value("--mine") ?? `http://127.0.0.1:${env.GQL_PORT || 4350}/graphql`;
  if (!theirs) {
    console.error("usage: npm run compare -w indexer -- --theirs <GraphQL URL> [--mine <GraphQL URL>] [--votes]");
    return 2;
  }
  try {
    const result = await compareIndexers(mine, theirs, { votes: args.includes("--votes") });
    if (result.differences.length === 0) {
      console.log(`identical: ${result.elections} election(s) up to block ${result.height}`);
      return 0;
    }
    console.log(`${result.differences.length} difference(s) up to block ${result.height}:`);
    for (const d of result.differences) console.log(`  ${d}`);
    return 1;
  } catch (error) {
    console.error(`compare: ${(error as Error).message}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(await compareCli(process.argv.slice(2)));
}
