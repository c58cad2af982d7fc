/**
 * The API document a front-end developer writes a client from: the served OpenAPI passes
 * Redocly's recommended rules with no error and no warning, and the copy published in the
 * repository (relayer/openapi.json) is the one served.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { startTestChain, startTestDb, type TestChain, type TestDb, testConfig } from "./testing/setup.js";

const published = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../openapi.json");

let chain: TestChain;
let db: TestDb;
let app: FastifyInstance;

beforeAll(async () => {
  [chain, db] = await Promise.all([startTestChain(), startTestDb("relayer_openapi")]);
  app = await buildApp({ config: testConfig(db, chain) });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await chain?.stop();
  await db?.drop();
});

describe("the OpenAPI document", () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const served = (await app.inject({ method: "GET", url: "/docs/json" })).json();
    const problems = await lintFromString({
      source: JSON.stringify(served),
      absoluteRef: "openapi.json",
      // No licence has been chosen yet, so the licence has no URL to give: the one rule left out.
      config: await createConfig({ extends: ["recommended"], rules: { "info-license-strict": "off" } }),
    });
    const listed = problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`);
    expect(listed).toEqual([]);
  });

  it("is published in the repository as served (npm run openapi -w relayer writes it)", async () => {
    const served = (await app.inject({ method: "GET", url: "/docs/json" })).json();
    // Like a snapshot update: only on request, never in a normal run.
    if (process.env.UPDATE_OPENAPI === "1") writeFileSync(published, `${JSON.stringify(served, null, 2)}\n`);
    expect(
      JSON.parse(readFileSync(published, "utf8")),
      "relayer/openapi.json is stale: npm run openapi -w relayer",
    ).toEqual(served);
  });
});
