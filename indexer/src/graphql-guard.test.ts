/**
 * The public GraphQL endpoint against hostile requests: the real server (guard and Subsquid's)
 * over a real Postgres database seeded with plain SQL, spoken to over HTTP.
 */
import { readFileSync } from "node:fs";
import { getIntrospectionQuery } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { startGraphqlServer } from "./graphql.js";
import { sanitizeErrors } from "./graphql-guard.js";

const VOTES = 1000;
let db: TestDatabase;
let server: { port: number; close(): Promise<void> };

beforeAll(async () => {
  db = await createTestDatabase("graphql_guard");
  server = await startGraphqlServer({ databaseUrl: db.url, host: "127.0.0.1", port: 0, maxResponseNodes: 100_000 });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`
      insert into election (id, choice_count, opens_at, closes_at, record_until, metadata_hash, metadata_raw,
        metadata_valid, title, choice_labels, created_at_block, created_at, created_tx, closed,
        scheduled_closes_at, total_votes, tally, batch_count, gas_used, fees_wei, grace_votes,
        next_expected_seq, missing_seq_count, duplicate_ref_count, duplicate_hash_count, tally_consistent,
        out_of_range_votes, created_event_seen, secret, valid_ballots, invalid_ballots, decryption_shares_received,
        decryption_share_trustees, decryption_threshold_reached)
      select g::text, 2, now(), now() + interval '1 day', now() + interval '2 days', '0x00', '{}', true,
        'Election ' || g, array['Yes', 'No'], 1, now(), '0x01', false, now() + interval '1 day',
        case when g = 1 then ${VOTES} else 0 end, array[${VOTES}, 0], 1, 0, 0, 0, ${VOTES}, 0, 0, 0, true, 0, true,
        false, 0, 0, 0, '{}', false
      from generate_series(1, 3) g`);
    await client.query(`
      insert into batch (id, election_id, first_seq, count, block_number, timestamp, tx_hash, in_grace_period)
      values ('0xb-0', '1', 0, ${VOTES}, 2, now(), '0xb', false)`);
    await client.query(`
      insert into vote (id, election_id, batch_id, seq, ref, choice, vote_hash, block_number, block_hash,
        timestamp, tx_hash, log_index, in_grace_period)
      select '1-' || g, '1', '0xb-0', g, 'ref-' || g, 0, '0xhash' || g, 2, '0xblock', now(), '0xb', g, false
      from generate_series(0, ${VOTES - 1}) g`);
    await client.query(`
      insert into indexer_status (id, height, head_hash, chain_head, updated_at, lag, finalized_height, chain_id,
        contract_address, start_block)
      values ('status', 2, '0xblock', 2, now(), 0, 2, 31337, '0xaa', 1)`);
  } finally {
    await client.end();
  }
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

interface Answer {
  status: number;
  type: string | null;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  headers: Headers;
}

async function send(init: RequestInit & { path?: string; search?: string } = {}): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${server.port}${init.path ?? "/graphql"}${init.search ?? ""}`, init);
  const text = await response.text();
  let body: Answer["body"] = {};
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, type: response.headers.get("content-type"), text, body, headers: response.headers };
}

function post(query: string, variables?: Record<string, unknown>): Promise<Answer> {
  return send({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
}

/** A refusal as the public sees it: JSON, the expected status, a message naming the problem, no internals. */
function expectRefused(answer: Answer, status: number, message: RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.type).toMatch(/^application\/json/);
  expect(answer.body.errors?.length, answer.text).toBeGreaterThan(0);
  expect(answer.body.errors?.[0]?.message).toMatch(message);
  expectNoInternals(answer.text);
}

function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/stacktrace|exception/i);
  expect(text).not.toMatch(/node_modules|\/work\/|\.ts:\d+|\.js:\d+|\bat \S+ \(/);
  expect(text).not.toMatch(/\bSELECT\b|\bFROM "|LIMIT -/);
  expect(text).not.toMatch(/<html|<pre>/i);
}

const voteFields = "id seq ref choice voteHash blockNumber blockHash timestamp txHash logIndex inGracePeriod";
const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join("\n");
const nest = (levels: number): string => (levels === 0 ? "id" : `election { votes(limit: 1) { ${nest(levels - 1)} } }`);

describe("hostile queries are refused, naming the problem", () => {
  test("1,000 aliased votes(limit: 90) under one root field", async () => {
    expectRefused(
      await post(`{ elections(limit: 1) { ${aliases(1000, "votes(limit: 90) { id }")} } }`),
      400,
      /more than 20 aliases/,
    );
  });

  test("21 aliased root fields", async () => {
    expectRefused(await post(`{ ${aliases(21, "votes(limit: 1) { id }")} }`), 400, /more than 20 aliases/);
  });

  test("aliases hidden in a fragment spread five times", async () => {
    const fragment = `fragment F on Election { ${aliases(5, "votes(limit: 1) { id }")} }`;
    const query = `{ ${Array.from({ length: 5 }, (_, i) => `e${i}: elections(limit: 1) { ...F }`).join(" ")} } ${fragment}`;
    expectRefused(await post(query), 400, /more than 20 aliases/);
  });

  test("fields nested 9 deep", async () => {
    expectRefused(
      await post(`{ votes(limit: 1) { ${nest(4)} } }`),
      400,
      /nests fields 9 deep, more than the limit of 8/,
    );
  });

  test("depth reached through fragments", async () => {
    const query = `{ votes(limit: 1) { ...A } }
      fragment A on Vote { election { votes(limit: 1) { ...B } } }
      fragment B on Vote { election { votes(limit: 1) { ...C } } }
      fragment C on Vote { election { votes(limit: 1) { election { votes(limit: 1) { id } } } } }`;
    expectRefused(await post(query), 400, /more than the limit of 8/);
  });

  test("one list asking for more rows than the cost limit", async () => {
    expectRefused(await post("{ votes(limit: 10001) { id } }"), 400, /10001 rows, more than the limit of 10000/);
  });

  test("nested lists multiply: 200 elections × 100 votes", async () => {
    expectRefused(
      await post("{ elections(limit: 200) { votes(limit: 100) { id } } }"),
      400,
      /rows, more than the limit of 10000/,
    );
  });

  test("20 allowed aliases whose rows add up past the limit", async () => {
    expectRefused(await post(`{ ${aliases(20, "votes(limit: 600) { id }")} }`), 400, /more than the limit of 10000/);
  });

  test("a connection's first counts as rows", async () => {
    expectRefused(
      await post("{ votesConnection(orderBy: id_ASC, first: 20000) { edges { node { id } } } }"),
      400,
      /20000 rows/,
    );
  });

  test("a list without limit counts as 100 rows under a parent", async () => {
    expectRefused(await post("{ elections(limit: 101) { votes { id } } }"), 400, /rows, more than the limit/);
  });

  test("limit: -1 (which used to answer with the SQL text)", async () => {
    expectRefused(await post("{ votes(limit: -1) { id } }"), 400, /"limit" of votes must not be negative \(got -1\)/);
  });

  test("offset: -5", async () => {
    expectRefused(await post("{ votes(limit: 1, offset: -5) { id } }"), 400, /"offset" of votes must not be negative/);
  });

  test("a negative limit in a variable", async () => {
    expectRefused(
      await post("query Q($n: Int) { votes(limit: $n) { id } }", { n: -1 }),
      400,
      /"limit" of votes must not be negative/,
    );
  });

  test("a negative offset as a variable's default", async () => {
    expectRefused(
      await post("query Q($o: Int = -3) { votes(limit: 1, offset: $o) { id } }"),
      400,
      /"offset" of votes must not be negative \(got -3\)/,
    );
  });

  test("a negative limit on a nested list", async () => {
    expectRefused(
      await post("{ elections(limit: 1) { votes(limit: -2) { id } } }"),
      400,
      /"limit" of votes must not be negative/,
    );
  });

  test("a negative first on a connection", async () => {
    expectRefused(
      await post("{ votesConnection(orderBy: id_ASC, first: -1) { totalCount } }"),
      400,
      /"first" of votesConnection must not be negative/,
    );
  });

  test("an offset past the limit", async () => {
    expectRefused(await post("{ votes(limit: 1, offset: 10000000) { id } }"), 400, /"offset" of votes .*100000/);
  });

  test("six operations in one document", async () => {
    const query = Array.from({ length: 6 }, (_, i) => `query Q${i} { votes(limit: 1) { id } }`).join("\n");
    expectRefused(await post(query), 400, /6 operations, more than the limit of 5/);
  });

  test("a fragment that spreads itself", async () => {
    expectRefused(
      await post("{ votes(limit: 1) { ...F } } fragment F on Vote { election { votes(limit: 1) { ...F } } }"),
      400,
      /fragment "F" spreads itself/,
    );
  });

  test("fragments doubling at each level (fan-out)", async () => {
    const levels = Array.from(
      { length: 10 },
      (_, i) => `fragment F${i} on Vote { ...F${i + 1} ... on Vote { ...F${i + 1} } }`,
    ).join("\n");
    expectRefused(
      await post(`{ votes(limit: 1) { ...F0 } } ${levels} fragment F10 on Vote { id }`),
      400,
      /more than 500 fields/,
    );
  });

  test("a where nested past the input depth limit", async () => {
    let where = '{ id_eq: "1" }';
    for (let i = 0; i < 6; i++) where = `{ AND: [${where}] }`;
    expectRefused(
      await post(`{ votes(limit: 1, where: ${where}) { id } }`),
      400,
      /"where" of votes nests more than 10 levels/,
    );
  });

  test("the same nesting in a variable", async () => {
    let where: unknown = { id_eq: "1" };
    for (let i = 0; i < 6; i++) where = { AND: [where] };
    expectRefused(
      await post("query Q($w: VoteWhereInput) { votes(limit: 1, where: $w) { id } }", { w: where }),
      400,
      /"where" of votes nests more than 10 levels/,
    );
  });

  test("over the limits through GET too", async () => {
    const search = `?query=${encodeURIComponent("{ votes(limit: -1) { id } }")}`;
    expectRefused(await send({ search }), 400, /"limit" of votes must not be negative/);
  });
});

describe("malformed requests get a JSON answer without internals", () => {
  test("malformed JSON (which used to get Express's HTML stack trace)", async () => {
    expectRefused(
      await send({ method: "POST", headers: { "content-type": "application/json" }, body: "{bad json" }),
      400,
      /not valid JSON/,
    );
  });

  test("a batch (a JSON array)", async () => {
    expectRefused(
      await send({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }]),
      }),
      400,
      /batched requests are not supported/,
    );
  });

  test("query not a string", async () => {
    expectRefused(
      await send({ method: "POST", headers: { "content-type": "application/json" }, body: '{"query": 5}' }),
      400,
      /"query" must be a non-empty string/,
    );
  });

  test("variables not an object", async () => {
    expectRefused(
      await send({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }", variables: [1] }),
      }),
      400,
      /"variables" must be an object/,
    );
  });

  test("a body over 64 KiB", async () => {
    expectRefused(
      await send({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ __typename } #${"x".repeat(70_000)}` }),
      }),
      413,
      /larger than 65536 bytes/,
    );
  });

  test("not JSON at all", async () => {
    expectRefused(
      await send({ method: "POST", headers: { "content-type": "text/plain" }, body: "{ __typename }" }),
      415,
      /application\/json/,
    );
  });

  test("a GraphQL syntax error", async () => {
    const answer = await post("{ votes(limit: 1 { id } }");
    expectRefused(answer, 400, /^Syntax Error: /);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "GRAPHQL_PARSE_FAILED" });
  });

  test("an unknown field: the server's validation message, without its stack trace", async () => {
    const answer = await post("{ votes(limit: 1) { idx } }");
    expectRefused(answer, 400, /Cannot query field "idx" on type "Vote"/);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
  });

  test("a list the server's node cap refuses: its message, without its stack trace", async () => {
    expectRefused(await post("{ votes { id } }"), 200, /response might exceed the size limit/);
  });

  test("a value Postgres refuses (a NUL in a string): 'query failed', not the database's text", async () => {
    const answer = await post('{ votes(limit: 1, where: { ref_eq: "a\\u0000b" }) { id } }');
    expectRefused(answer, 200, /^query failed$/);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(answer.text).not.toMatch(/byte sequence|UTF8|0x00/i);
  });

  test("a method other than GET or POST", async () => {
    expectRefused(await send({ method: "PUT", body: "x" }), 405, /method PUT is not allowed/);
  });

  test("a path other than /graphql", async () => {
    expectRefused(await send({ path: "/admin" }), 404, /the endpoint is \/graphql/);
  });

  test("GET without a query (not the playground page)", async () => {
    expectRefused(await send({ headers: { accept: "application/json" } }), 400, /a GET needs a "query" parameter/);
  });

  test("GET with variables that are not JSON", async () => {
    const search = `?query=${encodeURIComponent("{ __typename }")}&variables=%7Bnope`;
    expectRefused(await send({ search }), 400, /"variables" parameter is not valid JSON/);
  });

  test("an upstream database error as Apollo writes it is reduced to message and code", () => {
    // The shape the server answered `votes(limit: -1)` with before the guard.
    const upstream = [
      {
        message: "LIMIT must not be negative",
        locations: [{ line: 1, column: 3 }],
        path: ["votes"],
        extensions: {
          code: "INTERNAL_SERVER_ERROR",
          exception: {
            sql: 'SELECT "vote"."id" AS _c0 FROM "vote" AS "vote" LIMIT -1',
            stacktrace: ["error: LIMIT must not be negative", "    at /work/node_modules/pg/lib/client.js:694:17"],
          },
        },
      },
      { message: 'syntax error at or near "FROM"', extensions: { code: "BAD_USER_INPUT" } },
    ];
    expect(sanitizeErrors(upstream)).toEqual([
      {
        message: "query failed",
        locations: [{ line: 1, column: 3 }],
        path: ["votes"],
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      },
      { message: "query failed", extensions: { code: "BAD_USER_INPUT" } },
    ]);
  });
});

describe("what clients use still works", () => {
  test("the observer guide's query", async () => {
    const guide = readFileSync(new URL("../../docs/observer-guide.md", import.meta.url), "utf8");
    const query = guide.match(/```graphql\n([\s\S]*?)```/)?.[1] as string;
    const answer = await post(query);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.elections).toHaveLength(3);
    expect(answer.body.data?.indexerStatuses).toEqual([
      { height: 2, headHash: "0xblock", chainHead: 2, lag: 0, error: null },
    ]);
  });

  test("compare's queries: 10,000 elections, 15 aliased counts, pages of 1,000 votes", async () => {
    const elections = await post(
      "{ elections(orderBy: id_ASC, limit: 10000, where: { createdAtBlock_lte: 2 }) { id choiceCount metadataHash } }",
    );
    expect(elections.body.errors, elections.text).toBeUndefined();
    expect(elections.body.data?.elections).toHaveLength(3);
    const where = 'where: { election: { id_eq: "1" }, blockNumber_lte: 2 }';
    const counts = await post(
      `{ ${aliases(14, `votesConnection(orderBy: id_ASC, ${where}) { totalCount }`)}
         top: votes(orderBy: seq_DESC, limit: 1, ${where}) { seq } }`,
    );
    expect(counts.body.errors, counts.text).toBeUndefined();
    expect(counts.body.data?.a13).toEqual({ totalCount: VOTES });
    expect(counts.body.data?.top).toEqual([{ seq: String(VOTES - 1) }]);
    const page = await post(
      `{ votes(orderBy: seq_ASC, limit: 1000, where: { election: { id_eq: "1" }, blockNumber_lte: 2, seq_gt: "-1" }) { ${voteFields} } }`,
    );
    expect(page.body.errors, page.text).toBeUndefined();
    expect(page.body.data?.votes).toHaveLength(VOTES);
  });

  test("a lookup by id without limit, variables, nested lists, fragments", async () => {
    const answer = await post(
      `query E($id: String!, $n: Int = 5) {
         elections(where: { id_eq: $id }) { id title tally choiceLabels votes(limit: $n, orderBy: seq_ASC) { ...V } }
         indexerStatuses(limit: 1) { height contractAddress }
       }
       fragment V on Vote { seq choice batch { id count } }`,
      { id: "1" },
    );
    expect(answer.body.errors, answer.text).toBeUndefined();
    const [election] = (answer.body.data?.elections ?? []) as { id: string; votes: unknown[] }[];
    expect(election?.id).toBe("1");
    expect(election?.votes).toHaveLength(5);
  });

  test("GET with a query", async () => {
    const answer = await send({
      search: `?query=${encodeURIComponent('{ elections(where: { id_eq: "2" }) { id } }')}`,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.data).toEqual({ elections: [{ id: "2" }] });
  });

  test("introspection is on: the standard introspection query answers", async () => {
    const answer = await post(getIntrospectionQuery());
    expect(answer.body.errors, answer.text.slice(0, 500)).toBeUndefined();
    const schema = answer.body.data?.__schema as { types: { name: string }[] };
    expect(schema.types.map((t) => t.name)).toContain("Vote");
  });

  test("CORS is open for reads: preflight and the answer's header", async () => {
    const preflight = await send({
      method: "OPTIONS",
      headers: { origin: "https://observer.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("content-type");
    const answer = await post("{ __typename }");
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("the playground page still loads", async () => {
    const page = await send({ headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
  });

  test("a normal query answers while heavy but allowed queries run", async () => {
    // 20 aliases × 450 votes with every field: at the limits (9,000 rows each).
    const heavy = `{ ${aliases(20, `votes(limit: 450, offset: 500, orderBy: ref_DESC) { ${voteFields} }`)} }`;
    const running = Array.from({ length: 6 }, () => post(heavy));
    const normal = await post('{ elections(where: { id_eq: "1" }) { id totalVotes } }');
    expect(normal.status, normal.text).toBe(200);
    expect(normal.body.data).toEqual({ elections: [{ id: "1", totalVotes: VOTES }] });
    for (const answer of await Promise.all(running)) {
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.a19).toHaveLength(450);
    }
  });
});
