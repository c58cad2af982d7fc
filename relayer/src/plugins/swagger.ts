import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import fp from "fastify-plugin";
import { ErrorBody } from "../schemas.js";
import { withConventions } from "./openapi-conventions.js";

/** OpenAPI from the route schemas, served at /docs (JSON at /docs/json). */
export default fp(
  async (app) => {
    app.addSchema(ErrorBody);
    await app.register(swagger, {
      openapi: {
        info: {
          title: "Veritally relayer",
          description: "Accepts votes, answers with a receipt, and records them on chain in batches.",
          version: "0.1.0",
          // No licence has been chosen yet (npm's word for that); say so rather than leave it out.
          license: { name: "UNLICENSED" },
        },
        // Relative: the document's own address (…/docs/json) resolves it, and statusUrl with it.
        servers: [{ url: "/", description: "this relayer" }],
        components: {
          securitySchemes: {
            clientKey: {
              type: "http",
              scheme: "bearer",
              description:
                "A voting client's API key (POST /v1/admin/clients gives one): votes and the client's webhook.",
            },
            adminKey: {
              type: "http",
              scheme: "bearer",
              description: "The relayer's ADMIN_API_KEY: everything under /v1/admin. It is not a client key.",
            },
          },
        },
      },
      transform: ({ schema, url, route }) => ({
        schema: withConventions(String(route.method), url, schema as never) as never,
        url,
      }),
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: "/docs" });
  },
  { name: "swagger" },
);
