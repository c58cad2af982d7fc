/**
 * The operator's routes (ADMIN_API_KEY): elections (created on chain by the worker with the
 * relayer's manager role), intake and submission switches, clients and their keys, stats.
 */
import { randomInt } from "node:crypto";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { encodeElectionMetadata, InvalidInputError, validateElectionMetadata } from "@veritally/contracts";
import { Type } from "typebox";
import { withTransaction } from "../db/pool.js";
import { conflict, notFound, unprocessable } from "../http-errors.js";
import {
  ApiKeyBody,
  ClientBody,
  ClientIdParams,
  ControlBody,
  CreateClientBody,
  CreateElectionBody,
  ElectionBody,
  ElectionIdParams,
  errors,
  KeyParams,
  WebhookBody,
  WebhookSet,
} from "../schemas.js";
import { newApiKey } from "../services/api-keys.js";
import { checkElectionText, parseInstant } from "../services/election-input.js";
import { ELECTION_COLUMNS, type Election, electionFromRow, intakeState } from "../services/elections.js";
import { readStats } from "../services/stats.js";
import { parseElectionId } from "../services/votes.js";
import { ElectionState } from "../states.js";
import { setWebhook } from "./client.js";

/** The stored metadata as the document types it; anything else (none read from chain) is null. */
function metadataView(
  raw: unknown,
): { title: string; description?: string; choices: string[]; contact?: string; eligibleVoters?: number } | null {
  if (typeof raw !== "object" || raw === null) return null;
  const m = raw as {
    title?: unknown;
    description?: unknown;
    choices?: unknown;
    contact?: unknown;
    eligibleVoters?: unknown;
  };
  if (typeof m.title !== "string" || !Array.isArray(m.choices) || !m.choices.every((c) => typeof c === "string")) {
    return null;
  }
  return {
    title: m.title,
    ...(typeof m.description === "string" ? { description: m.description } : {}),
    choices: m.choices as string[],
    ...(typeof m.contact === "string" ? { contact: m.contact } : {}),
    ...(typeof m.eligibleVoters === "number" && Number.isSafeInteger(m.eligibleVoters)
      ? { eligibleVoters: m.eligibleVoters }
      : {}),
  };
}

function electionView(e: Election) {
  const intake = intakeState(e);
  return {
    electionId: e.electionId,
    source: e.source,
    state: e.state,
    intake: { open: intake.open, code: intake.open ? null : intake.code },
    choiceCount: e.choiceCount,
    opensAt: e.opensAt.toISOString(),
    closesAt: e.closesAt.toISOString(),
    recordUntil: e.recordUntil.toISOString(),
    closedAt: e.closedAt?.toISOString() ?? null,
    chainClosed: e.chainClosed,
    intakePaused: e.intakePaused,
    failureReason: e.failureReason,
    metadata: metadataView(e.metadata),
    statusUrl: `/v1/admin/elections/${e.electionId}`,
  };
}

const StatsBody = Type.Unknown({ description: "See relayer/README.md, section Stats, for the shape." });

const admin: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook("onRequest", app.authenticateAdmin);
  const security = [{ adminKey: [] }];

  async function loadElection(id: string): Promise<Election> {
    const { rows } = await app.db.query(`select ${ELECTION_COLUMNS} from elections where election_id = $1`, [id]);
    if (!rows[0]) throw notFound("unknown_election", `election ${id} is not known to the relayer`);
    return electionFromRow(rows[0]);
  }

  app.post(
    "/elections",
    {
      bodyLimit: 512 * 1024,
      schema: {
        tags: ["admin"],
        summary: "Create an election (the worker sends createElection)",
        security,
        body: CreateElectionBody,
        response: { 202: ElectionBody, ...errors(400, 401, 409, 413) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      checkElectionText(b.metadata);
      const metadata = validateElectionMetadata(b.metadata);
      const id = (
        b.electionId !== undefined ? parseElectionId(b.electionId) : BigInt(randomInt(1, 2 ** 48 - 1))
      ).toString();
      const opensAt = parseInstant("opensAt", b.opensAt);
      const closesAt = parseInstant("closesAt", b.closesAt);
      const recordUntil = parseInstant("recordUntil", b.recordUntil);
      if (!(opensAt < closesAt)) throw new InvalidInputError("closesAt", "must be after opensAt");
      if (recordUntil < closesAt) throw new InvalidInputError("recordUntil", "must not be before closesAt");
      if (closesAt.getTime() <= Date.now()) throw new InvalidInputError("closesAt", "must be in the future");
      if (recordUntil.getTime() >= 2 ** 40 * 1000) throw new InvalidInputError("recordUntil", "too far in the future");
      if (opensAt.getTime() < 0) throw new InvalidInputError("opensAt", "before 1970");
      if (await app.chain.registry.electionExists(BigInt(id))) {
        throw conflict("election_exists", `election ${id} already exists on chain`);
      }
      const { rowCount } = await app.db.query(
        `insert into elections (election_id, source, state, choice_count, opens_at, closes_at, record_until, metadata)
         values ($1, 'relayer', 'creating', $2, $3, $4, $5, $6) on conflict (election_id) do nothing`,
        [id, metadata.choices.length, opensAt, closesAt, recordUntil, encodeElectionMetadata(metadata)],
      );
      if (rowCount === 0) throw conflict("election_exists", `election ${id} already exists`);
      app.services.elections.invalidate(BigInt(id));
      const election = await loadElection(id);
      return reply.code(202).header("location", `/v1/admin/elections/${id}`).send(electionView(election));
    },
  );

  app.get(
    "/elections",
    { schema: { tags: ["admin"], summary: "List elections", security, response: { 200: Type.Array(ElectionBody) } } },
    async () => {
      const { rows } = await app.db.query(
        `select ${ELECTION_COLUMNS} from elections order by created_at desc limit 1000`,
      );
      return rows.map((r) => electionView(electionFromRow(r)));
    },
  );

  app.get(
    "/elections/:electionId",
    {
      schema: {
        tags: ["admin"],
        summary: "An election's state",
        security,
        params: ElectionIdParams,
        response: { 200: ElectionBody, ...errors(400, 404) },
      },
    },
    async (request) => electionView(await loadElection(parseElectionId(request.params.electionId).toString())),
  );

  app.post(
    "/elections/:electionId/close",
    {
      schema: {
        tags: ["admin"],
        summary: "Close intake now (the worker sends closeElection); queued votes are still recorded",
        security,
        params: ElectionIdParams,
        response: { 202: ElectionBody, ...errors(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const id = parseElectionId(request.params.electionId).toString();
      const before = await loadElection(id);
      if (before.state === ElectionState.Failed)
        throw unprocessable("election_failed", "the election was never created");
      if (before.closedAt !== null || before.chainClosed) throw conflict("election_closed", "already closed");
      await app.db.query(
        "update elections set closed_at = now(), updated_at = now() where election_id = $1 and closed_at is null",
        [id],
      );
      app.services.elections.invalidate(BigInt(id));
      return reply.code(202).send(electionView(await loadElection(id)));
    },
  );

  for (const [action, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const) {
    app.post(
      `/elections/:electionId/${action}`,
      {
        schema: {
          tags: ["admin"],
          summary: `${action === "pause" ? "Pause" : "Resume"} intake for one election`,
          security,
          params: ElectionIdParams,
          response: { 200: ElectionBody, ...errors(400, 404) },
        },
      },
      async (request) => {
        const id = parseElectionId(request.params.electionId).toString();
        await loadElection(id);
        await app.db.query("update elections set intake_paused = $2, updated_at = now() where election_id = $1", [
          id,
          paused,
        ]);
        app.services.elections.invalidate(BigInt(id));
        return electionView(await loadElection(id));
      },
    );
    for (const what of ["intake", "submission"] as const) {
      app.post(
        `/${what}/${action}`,
        {
          schema: {
            tags: ["admin"],
            summary: `${action === "pause" ? "Pause" : "Resume"} ${what} for all elections`,
            security,
            response: { 200: ControlBody },
          },
        },
        async () => {
          const flags = await app.services.control.set(
            what === "intake" ? { intakePaused: paused } : { submissionPaused: paused },
          );
          return { ...flags, updatedAt: flags.updatedAt.toISOString() };
        },
      );
    }
  }

  app.get(
    "/control",
    {
      schema: {
        tags: ["admin"],
        summary: "The intake and submission switches",
        security,
        response: { 200: ControlBody },
      },
    },
    async () => {
      const flags = await app.services.control.get();
      return { ...flags, updatedAt: flags.updatedAt.toISOString() };
    },
  );

  async function clientView(clientId: string) {
    const { rows } = await app.db.query<{
      id: string;
      name: string;
      rate_limit_per_minute: number | null;
      voter_id_case: string | null;
      webhook_url: string | null;
      created_at: Date;
    }>("select id, name, rate_limit_per_minute, voter_id_case, webhook_url, created_at from clients where id = $1", [
      clientId,
    ]);
    const c = rows[0];
    if (!c) throw notFound("unknown_client", `no client ${clientId}`);
    const keys = await app.db.query<{ key_id: string; created_at: Date; revoked_at: Date | null }>(
      "select key_id, created_at, revoked_at from api_keys where client_id = $1 order by id",
      [clientId],
    );
    return {
      id: c.id,
      name: c.name,
      rateLimitPerMinute: c.rate_limit_per_minute,
      voterIdCase: c.voter_id_case,
      webhookUrl: c.webhook_url,
      createdAt: c.created_at.toISOString(),
      keys: keys.rows.map((k) => ({
        keyId: k.key_id,
        createdAt: k.created_at.toISOString(),
        revokedAt: k.revoked_at?.toISOString() ?? null,
      })),
    };
  }

  app.get(
    "/clients",
    {
      schema: { tags: ["admin"], summary: "List voting clients", security, response: { 200: Type.Array(ClientBody) } },
    },
    async () => {
      const { rows } = await app.db.query<{ id: string }>("select id from clients order by id");
      return Promise.all(rows.map((r) => clientView(r.id)));
    },
  );

  app.post(
    "/clients",
    {
      schema: {
        tags: ["admin"],
        summary: "Register a voting client and issue its first API key",
        security,
        body: CreateClientBody,
        response: { 201: Type.Object({ client: ClientBody, apiKey: ApiKeyBody }), ...errors(400, 409) },
      },
    },
    async (request, reply) => {
      const key = newApiKey();
      const clientId = await withTransaction(app.db, async (tx) => {
        const inserted = await tx.query<{ id: string }>(
          `insert into clients (name, rate_limit_per_minute, voter_id_case) values ($1, $2, $3)
           on conflict (name) do nothing returning id`,
          [request.body.name, request.body.rateLimitPerMinute ?? null, request.body.voterIdCase ?? null],
        );
        const id = inserted.rows[0]?.id;
        if (!id) throw conflict("client_exists", `a client named ${JSON.stringify(request.body.name)} exists`);
        await tx.query("insert into api_keys (client_id, key_id, key_hash) values ($1, $2, $3)", [
          id,
          key.keyId,
          key.keyHash,
        ]);
        return id;
      });
      const client = await clientView(clientId);
      return reply.code(201).send({
        client,
        apiKey: { keyId: key.keyId, key: key.key, createdAt: client.keys[0]?.createdAt ?? new Date().toISOString() },
      });
    },
  );

  app.post(
    "/clients/:clientId/keys",
    {
      schema: {
        tags: ["admin"],
        summary: "Issue another API key (for rotation)",
        security,
        params: ClientIdParams,
        response: { 201: ApiKeyBody, ...errors(400, 404) },
      },
    },
    async (request, reply) => {
      await clientView(request.params.clientId);
      const key = newApiKey();
      const { rows } = await app.db.query<{ created_at: Date }>(
        "insert into api_keys (client_id, key_id, key_hash) values ($1, $2, $3) returning created_at",
        [request.params.clientId, key.keyId, key.keyHash],
      );
      return reply
        .code(201)
        .send({ keyId: key.keyId, key: key.key, createdAt: (rows[0]?.created_at ?? new Date()).toISOString() });
    },
  );

  app.delete(
    "/clients/:clientId/keys/:keyId",
    {
      schema: {
        tags: ["admin"],
        summary: "Revoke an API key",
        security,
        params: KeyParams,
        response: { 200: ClientBody, ...errors(400, 404) },
      },
    },
    async (request) => {
      const { rowCount } = await app.db.query(
        "update api_keys set revoked_at = coalesce(revoked_at, now()) where client_id = $1 and key_id = $2",
        [request.params.clientId, request.params.keyId],
      );
      if (rowCount === 0) throw notFound("unknown_key", "no such key for this client");
      app.services.keys.forget(request.params.keyId);
      return clientView(request.params.clientId);
    },
  );

  app.get(
    "/stats",
    {
      schema: {
        tags: ["admin"],
        summary: "Queue, throughput, latency, gas, fees, failures",
        security,
        response: { 200: StatsBody },
      },
    },
    async () => readStats(app.db, { maxFeePerGas: app.config.maxFeePerGas }),
  );

  app.put(
    "/clients/:clientId/webhook",
    {
      schema: {
        tags: ["admin"],
        summary: "Set a client's webhook URL; returns the signing secret",
        security,
        params: ClientIdParams,
        body: WebhookBody,
        response: { 200: WebhookSet, ...errors(400, 404) },
      },
    },
    async (request) => setWebhook(app, request.params.clientId, request.body.url),
  );
};
export default admin;
