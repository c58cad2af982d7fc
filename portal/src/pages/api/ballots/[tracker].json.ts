import { InvalidInputError } from "@veritally/contracts";
import type { APIRoute } from "astro";
import { ballotJson, jsonError, statusJson } from "../../../lib/api.js";
import { portalData } from "../../../lib/data.js";

/** The public record of a sealed ballot by its tracker (the tracker is public: it names an encrypted ballot). */
export const GET: APIRoute = async ({ params }) => {
  const data = portalData();
  let ballots: Awaited<ReturnType<typeof data.ballotsByTracker>>;
  try {
    ballots = await data.ballotsByTracker(params.tracker ?? "");
  } catch (error) {
    if (error instanceof InvalidInputError) return jsonError(400, "invalid_tracker", error.message);
    throw error;
  }
  if (ballots.length === 0) {
    // The next block may hold it: never kept, as for a ref not on chain yet.
    return Response.json(
      { error: { code: "unknown_tracker", message: "no ballot with this tracker on the chain record (yet)" } },
      { status: 404, headers: { "cache-control": "no-store" } },
    );
  }
  const status = await data.status();
  const facts = data.chainFacts(status);
  return Response.json({
    tracker: ballots[0]?.tracker ?? null,
    chain: { chainId: facts.chainId, registryAddress: facts.registryAddress },
    indexer: statusJson(status),
    ballots: ballots.map((b) => ballotJson(b, status)),
  });
};
