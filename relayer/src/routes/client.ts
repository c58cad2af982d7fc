/** Routes for a voting client about itself (its API key): the webhook for vote notifications. */
import { randomBytes } from "node:crypto";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { notFound } from "../http-errors.js";
import { errors, WebhookBody, WebhookSet } from "../schemas.js";
import { checkWebhookTarget } from "../services/webhook-url.js";

export async function setWebhook(app: FastifyInstance, clientId: string, urlText: string) {
  const url = (await checkWebhookTarget(urlText, app.config.webhookAllowPrivate)).toString();
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  const { rowCount } = await app.db.query("update clients set webhook_url = $2, webhook_secret = $3 where id = $1", [
    clientId,
    url,
    secret,
  ]);
  if (rowCount === 0) throw notFound("unknown_client", `no client ${clientId}`);
  return { url, secret };
}

const client: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook("onRequest", app.authenticateClient);
  const security = [{ clientKey: [] }];
  const principal = (request: { client: unknown }) => request.client as { clientId: string };

  app.put(
    "/v1/client/webhook",
    {
      schema: {
        tags: ["client"],
        summary: "Register the webhook that is told when this client's votes are confirmed or fail",
        description:
          "Each POST carries `Veritally-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>`. " +
          "Failed deliveries are retried with exponential backoff.",
        security,
        body: WebhookBody,
        response: { 200: WebhookSet, ...errors(400, 401, 429) },
      },
    },
    async (request) => setWebhook(app, principal(request).clientId, request.body.url),
  );

  app.delete(
    "/v1/client/webhook",
    { schema: { tags: ["client"], summary: "Remove the webhook", security, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await app.db.query("update clients set webhook_url = null, webhook_secret = null where id = $1", [
        principal(request).clientId,
      ]);
      return reply.code(204).send(null);
    },
  );
};
export default client;
