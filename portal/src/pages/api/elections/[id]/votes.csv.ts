import type { APIRoute } from "astro";
import { jsonError } from "../../../../lib/api.js";
import { isElectionId, portalData } from "../../../../lib/data.js";

/** Every vote of the election, ordered by seq, streamed straight from the database (any size). */
export const GET: APIRoute = async ({ params }) => {
  const id = params.id ?? "";
  if (!isElectionId(id))
    return jsonError(404, "unknown_election", `id: "${id}" is not an election id (a decimal number)`);
  const stream = await portalData().votesCsv(id);
  if (!stream) return jsonError(404, "unknown_election", `no election ${id} on the chain record`);
  return new Response(stream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="election-${id}-votes.csv"`,
    },
  });
};
