import { InvalidInputError } from "@veritally/contracts";
import type { APIRoute } from "astro";
import { jsonError, statusJson, voteJson } from "../../../../lib/api.js";
import { portalData } from "../../../../lib/data.js";

/** Every public vote record whose ref starts with the prefix: the verify page's private lookup. */
export const GET: APIRoute = async ({ params }) => {
  const data = portalData();
  let votes: Awaited<ReturnType<typeof data.votesByRefPrefix>>;
  try {
    votes = await data.votesByRefPrefix(params.prefix ?? "");
  } catch (error) {
    if (error instanceof InvalidInputError) return jsonError(400, "invalid_prefix", error.message);
    throw error;
  }
  const status = await data.status();
  const facts = data.chainFacts(status);
  // An empty bucket may fill with the next block: never kept, as for a single ref.
  const pending = votes.length === 0 ? { headers: { "cache-control": "no-store" } } : undefined;
  return Response.json(
    {
      chain: { chainId: facts.chainId, registryAddress: facts.registryAddress },
      indexer: statusJson(status),
      votes: votes.map((v) => voteJson(v, status)),
    },
    pending,
  );
};
