import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import fp from "fastify-plugin";
import { ErrorBody } from "../schemas.js";

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
        },
        components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: "/docs" });
  },
  { name: "swagger" },
);
