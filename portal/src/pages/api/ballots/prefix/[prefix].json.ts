import { InvalidInputError } from "@veritally/contracts";
import type { APIRoute } from "astro";
import { ballotJson, jsonError, statusJson } from "../../../../lib/api.js";
import { portalData } from "../../../../lib/data.js";

/** Every sealed ballot whose tracker starts with the prefix: the verify page's private lookup of a tracker. */
export const GET: APIRoute = async ({ params }) => {
  const data = portalData();
  let ballots: Awaited<ReturnType<typeof data.ballotsByTrackerPrefix>>;
  try {
    ballots = await data.ballotsByTrackerPrefix(params.prefix ?? "");
  } catch (error) {
    if (error instanceof InvalidInputError) return jsonError(400, "invalid_prefix", error.message);
    throw error;
  }
  const status = await data.status();
  const facts = data.chainFacts(status);
  // An empty bucket may fill with the next block: never kept.
  const pending = ballots.length === 0 ? { headers: { "cache-control": "no-store" } } : undefined;
  return Response.json(
    {
      chain: { chainId: facts.chainId, registryAddress: facts.registryAddress },
      indexer: statusJson(status),
      ballots: ballots.map((b) => ballotJson(b, status)),
    },
    pending,
  );
};
