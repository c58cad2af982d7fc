import type { APIRoute } from "astro";
import { jsonError } from "../../../../lib/api.js";
import { isElectionId, portalData } from "../../../../lib/data.js";

export const GET: APIRoute = async ({ params }) => {
  const id = params.id ?? "";
  if (!isElectionId(id))
    return jsonError(404, "unknown_election", `id: "${id}" is not an election id (a decimal number)`);
  const data = portalData();
  if (!(await data.election(id))) return jsonError(404, "unknown_election", `no election ${id} on the chain record`);
  const report = await data.crossCheck(id);
  if (!report) {
    return jsonError(503, "not_configured", "RELAYER_AUDIT_DATABASE_URL is not set: this portal does not cross-check");
  }
  return Response.json(report);
};
