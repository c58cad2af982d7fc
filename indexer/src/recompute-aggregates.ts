/**
 * The secret elections' encrypted aggregates recomputed from their stored valid ballots (Postgres
 * cannot add ristretto255 points): read in pages by seq, added as the handler adds them (from the
 * identity), written back per choice.
 */
import { loadSodiumOps } from "@veritally/crypto/sodium";
import type pg from "pg";
import { emptyAggregate, openAggregate, storeAggregate } from "./batch/ballots.js";
import { newElection } from "./batch/elections.js";

const PAGE = 10_000;

export async function recomputeAggregates(client: pg.ClientBase): Promise<void> {
  const { rows: elections } = await client.query<{ id: string; choice_count: number }>(
    "select id, choice_count from election where secret order by id",
  );
  const ops = await loadSodiumOps();
  for (const election of elections) {
    const row = newElection(election.id);
    row.choiceCount = election.choice_count;
    emptyAggregate(row);
    const aggregator = openAggregate(row, ops);
    let after = "-1";
    for (;;) {
      const { rows } = await client.query<{ seq: string; ballot: Buffer }>(
        "select seq::text as seq, ballot from ballot where election_id = $1 and valid and seq > $2 order by seq limit $3",
        [election.id, after, PAGE],
      );
      for (const ballot of rows) aggregator.add(ballot.ballot);
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) break;
      after = last.seq;
    }
    row.validBallots = aggregator.ballots;
    storeAggregate(row, aggregator);
    await client.query("update election set aggregate_alphas = $2, aggregate_betas = $3 where id = $1", [
      election.id,
      row.aggregateAlphas,
      row.aggregateBetas,
    ]);
  }
}
