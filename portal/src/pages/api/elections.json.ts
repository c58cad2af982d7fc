import type { APIRoute } from "astro";
import { statusJson, summaryJson } from "../../lib/api.js";
import { portalData } from "../../lib/data.js";

export const GET: APIRoute = async () => {
  const data = portalData();
  const [status, elections] = await Promise.all([data.status(), data.listElections()]);
  return Response.json({ indexer: statusJson(status), elections: elections.map(summaryJson) });
};
