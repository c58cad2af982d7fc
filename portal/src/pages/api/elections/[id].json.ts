import type { APIRoute } from "astro";
import { auditJson, jsonError, statusJson } from "../../../lib/api.js";
import { isElectionId, portalData } from "../../../lib/data.js";

export const GET: APIRoute = async ({ params }) => {
  const id = params.id ?? "";
  if (!isElectionId(id))
    return jsonError(404, "unknown_election", `id: "${id}" is not an election id (a decimal number)`);
  const data = portalData();
  const [audit, status] = await Promise.all([data.audit(id), data.status()]);
  if (!audit) return jsonError(404, "unknown_election", `no election ${id} on the chain record`);
  const facts = data.chainFacts(status);
  return Response.json({
    ...auditJson(audit),
    chain: { chainId: facts.chainId, registryAddress: facts.registryAddress },
    indexer: statusJson(status),
  });
};
