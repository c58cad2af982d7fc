import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { notFound } from "../http-errors.js";
import { errors, RefParams, VoteAccepted, VoteBody, VoteHeaders, VoteParams, VoteStatusBody } from "../schemas.js";

const votes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/v1/elections/:electionId/votes",
    {
      onRequest: app.authenticateClient,
      schema: {
        tags: ["votes"],
        summary: "Accept a vote",
        description:
          "Answers 202 once the vote is committed. 409: the voter already voted in this election. 404: unknown " +
          "election. 422: intake not open (before opensAt, after closesAt or closed) or choice out of range.",
        security: [{ clientKey: [] }],
        params: VoteParams,
        headers: VoteHeaders,
        body: VoteBody,
        response: { 202: VoteAccepted, ...errors(400, 401, 404, 409, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { body, replayed } = await app.services.votes.accept({
        principal: request.client as NonNullable<typeof request.client>,
        electionId: request.params.electionId,
        voterId: request.body.voterId,
        choice: request.body.choice,
        idempotencyKey: request.headers["idempotency-key"],
      });
      if (replayed) reply.header("idempotent-replayed", "true");
      return reply.code(202).header("location", body.statusUrl).send(body);
    },
  );

  app.get(
    "/v1/votes/:ref",
    {
      // Public; a front end that sends its key is rate-limited as itself rather than by IP.
      onRequest: async (request) => {
        if (request.headers.authorization !== undefined) await app.authenticateClient(request);
      },
      schema: {
        tags: ["votes"],
        summary: "Public status of a vote",
        description:
          "queued → batched → submitted → included → confirmed, or failed with a reason. Nothing about the voter.",
        params: RefParams,
        response: { 200: VoteStatusBody, ...errors(400, 404, 429) },
      },
    },
    async (request) => {
      const status = await app.services.votes.status(request.params.ref);
      if (!status) throw notFound("unknown_vote", "no vote with this ref");
      return status;
    },
  );
};
export default votes;
