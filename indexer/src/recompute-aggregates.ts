/**
 * The secret elections' encrypted aggregates recomputed from their stored valid ballots (Postgres
 * cannot add ristretto255 points): read in pages by seq, added with the trustee library's
 * aggregator, written back per choice as the handler writes them.
 */

import { encodePoint } from "@veritally/crypto/group";
import { createAggregator } from "@veritally/crypto/trustee";
import type pg from "pg";
import { addToAggregate, hexOf } from "./batch/ballots.js";

const PAGE = 10_000;

export async function recomputeAggregates(client: pg.ClientBase): Promise<void> {
  const { rows: elections } = await client.query<{ id: string; choice_count: number }>(
    "select id, choice_count from election where secret order by id",
  );
  for (const election of elections) {
    const aggregator = createAggregator(election.choice_count);
    let after = "-1";
    for (;;) {
      const { rows } = await client.query<{ seq: string; ballot: Buffer }>(
        "select seq::text as seq, ballot from ballot where election_id = $1 and valid and seq > $2 order by seq limit $3",
        [election.id, after, PAGE],
      );
      for (const row of rows) addToAggregate(aggregator, row.ballot, election.choice_count);
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) break;
      after = last.seq;
    }
    const result = aggregator.result();
    await client.query("update election set aggregate_alphas = $2, aggregate_betas = $3 where id = $1", [
      election.id,
      result.map((ct) => hexOf(encodePoint(ct.alpha))),
      result.map((ct) => hexOf(encodePoint(ct.beta))),
    ]);
  }
}
