import { InvalidInputError } from "@veritally/contracts";
import type { APIRoute } from "astro";
import { jsonError, statusJson, voteJson } from "../../../lib/api.js";
import { portalData } from "../../../lib/data.js";

/** The public record of a vote (the ref is public; the receipt is never asked for). */
export const GET: APIRoute = async ({ params }) => {
  const ref = params.ref ?? "";
  const data = portalData();
  let votes: Awaited<ReturnType<typeof data.votesByRef>>;
  try {
    votes = await data.votesByRef(ref);
  } catch (error) {
    if (error instanceof InvalidInputError) return jsonError(400, "invalid_ref", error.message);
    throw error;
  }
  if (votes.length === 0) return jsonError(404, "unknown_ref", "no vote with this reference on the chain record (yet)");
  const status = await data.status();
  const facts = data.chainFacts(status);
  return Response.json({
    ref: votes[0]?.ref,
    refText: votes[0]?.refText,
    chain: { chainId: facts.chainId, registryAddress: facts.registryAddress },
    indexer: statusJson(status),
    votes: votes.map((v) => voteJson(v, status)),
  });
};
