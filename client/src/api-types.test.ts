/**
 * The hand-written API types against the relayer's OpenAPI document (relayer/openapi.json, the one
 * its openapi test keeps equal to what it serves): every property a type names is in the schema,
 * and for the ballot answers the schema has no required property the type leaves out.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { BallotAccepted, BallotState, BallotStatus, RelayerElection } from "./api-types.js";

interface Schema {
  type?: string;
  required?: string[];
  properties?: Record<string, Schema & { enum?: string[] }>;
  $ref?: string;
}
const document = JSON.parse(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../relayer/openapi.json"), "utf8"),
) as {
  paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>>;
};

function responseSchema(route: string, method: string, status: string): Schema {
  const schema = document.paths[route]?.[method]?.responses[status]?.content["application/json"]?.schema;
  if (!schema) throw new Error(`${method} ${route} ${status}: not in openapi.json`);
  return schema;
}

// Compile-time: each list names every key of its type, no more (the satisfies clause fails otherwise).
const accepted = { electionId: true, tracker: true, status: true, statusUrl: true } satisfies Record<
  keyof BallotAccepted,
  true
>;
const status = {
  tracker: true,
  electionId: true,
  status: true,
  reason: true,
  waiting: true,
  seq: true,
  txHash: true,
  blockNumber: true,
  confirmations: true,
  acceptedAt: true,
} satisfies Record<keyof BallotStatus, true>;
const election = {
  electionId: true,
  state: true,
  intake: true,
  choiceCount: true,
  opensAt: true,
  closesAt: true,
  recordUntil: true,
  metadata: true,
  kind: true,
  secret: true,
} satisfies Record<keyof RelayerElection, true>;
const states = {
  queued: true,
  batched: true,
  submitted: true,
  included: true,
  confirmed: true,
  failed: true,
} satisfies Record<BallotState, true>;

describe("the client's API types", () => {
  it("are the ballot answers of the relayer's OpenAPI, property for property", () => {
    const a = responseSchema("/v1/elections/{electionId}/ballots", "post", "202");
    expect([...(a.required ?? [])].sort()).toEqual(Object.keys(accepted).sort());
    const s = responseSchema("/v1/ballots/{tracker}", "get", "200");
    expect([...(s.required ?? [])].sort()).toEqual(Object.keys(status).sort());
    const variants = (s.properties?.status as { anyOf?: { enum?: string[] }[] } | undefined)?.anyOf ?? [];
    expect(variants.flatMap((v) => v.enum ?? []).sort()).toEqual(Object.keys(states).sort());
  });

  it("name only properties the election's schema has, all of them required there", () => {
    const e = responseSchema("/v1/admin/elections/{electionId}", "get", "200");
    for (const key of Object.keys(election)) expect(e.required, key).toContain(key);
    const secret = e.properties?.secret;
    expect(secret?.type).toBe("object");
    expect([...(secret?.required ?? [])].sort()).toEqual(["electionKey", "threshold", "trusteeCount"]);
  });

  it("read errors as the relayer sends them: { error: { code, message } }", () => {
    const conflict = responseSchema("/v1/elections/{electionId}/ballots", "post", "409");
    expect(conflict.$ref ?? JSON.stringify(conflict)).toMatch(/ErrorBody|"code"/);
  });
});
