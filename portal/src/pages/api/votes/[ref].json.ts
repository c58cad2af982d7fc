import { InvalidInputError } from "@veritally/contracts";
import type { APIRoute } from "astro";
import { jsonError, statusJson, voteJson } from "../../../lib/api.js";
import { portalData } from "../../../lib/data.js";

/** The public record of a vote (the ref is public; the receipt is never asked for). */
export const GET: APIRoute = async ({ params, url }) => {
  const ref = params.ref ?? "";
  const data = portalData();
  let votes: Awaited<ReturnType<typeof data.votesByRef>>;
  try {
    votes = await data.votesByRef(ref);
  } catch (error) {
    if (error instanceof InvalidInputError) return jsonError(400, "invalid_ref", error.message);
    throw error;
  }
  // ?lookup: "not recorded (yet)" is an answer, not an error (the verify page asks this way).
  if (votes.length === 0 && !url.searchParams.has("lookup")) {
    return jsonError(404, "unknown_ref", "no vote with this reference on the chain record (yet)");
  }
  const status = await data.status();
  const facts = data.chainFacts(status);
  // "Not on the chain yet" must never be kept, by the browser or by us: the next block may hold it.
  const pending = votes.length === 0 ? { headers: { "cache-control": "no-store" } } : undefined;
  return Response.json(
    {
      ref: votes[0]?.ref ?? null,
      refText: votes[0]?.refText ?? null,
      chain: { chainId: facts.chainId, registryAddress: facts.registryAddress },
      indexer: statusJson(status),
      votes: votes.map((v) => voteJson(v, status)),
    },
    pending,
  );
};
