/**
 * One error shape for every answer: `{error: {code, message}}`, never a stack trace. Validation
 * errors name the field; 5xx answers say only "internal error" (the log has the rest).
 */
import { InvalidInputError, isRetryable, VeritallyError } from "@veritally/contracts";
import type { FastifyError } from "fastify";
import fp from "fastify-plugin";
import { HttpError } from "../http-errors.js";

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

export function describeValidation(context: string | undefined, errors: AjvError[]): string {
  const e = errors[0];
  if (!e) return "invalid request";
  const where = [context ?? "request", ...(e.instancePath ?? "").split("/").filter(Boolean)].join(".");
  if (e.keyword === "additionalProperties") return `${where}.${String(e.params?.additionalProperty)}: unknown field`;
  if (e.keyword === "required") return `${where}.${String(e.params?.missingProperty)}: required`;
  return `${where}: ${e.message ?? "invalid"}`;
}

/**
 * Errors that mean "the database (or the network to it) is unavailable right now": connection
 * failures, an administrator shutdown or a server starting up. A retry later can succeed, so the
 * answer is 503 with Retry-After, never 500.
 */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
]);

export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === "string" && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith("08"))) return true;
  return (
    typeof e?.message === "string" &&
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message)
  );
}

const CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "body_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid_content_length",
  FST_ERR_CTP_EMPTY_JSON_BODY: "empty_body",
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_BAD_URL: "bad_url",
  FST_ERR_ASYNC_CONSTRAINT: "bad_request",
};

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) {
        return reply.code(400).send({
          error: { code: "invalid_request", message: describeValidation(error.validationContext, error.validation) },
        });
      }
      if (error instanceof HttpError) {
        return reply
          .code(error.statusCode)
          .headers(error.headers)
          .send({ error: { code: error.code, message: error.message } });
      }
      if (error instanceof InvalidInputError) {
        return reply.code(400).send({ error: { code: "invalid_input", message: error.message } });
      }
      if ((error instanceof VeritallyError && isRetryable(error)) || isUnavailable(error)) {
        request.log.warn({ err: error }, "temporarily unavailable");
        return reply
          .code(503)
          .header("retry-after", "5")
          .send({
            error: {
              code: error instanceof VeritallyError ? error.code : "unavailable",
              message: "temporarily unavailable, try again",
            },
          });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const code = (error.code && CODES[error.code]) ?? (status === 429 ? "rate_limited" : "bad_request");
        // Fastify's own 4xx messages describe the request, not the server; safe to return.
        return reply.code(status).send({ error: { code, message: error.message } });
      }
      request.log.error({ err: error }, "request failed");
      return reply.code(500).send({ error: { code: "internal_error", message: "internal error" } });
    });
    app.setNotFoundHandler((request, reply) => {
      reply
        .code(404)
        .send({ error: { code: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` } });
    });
  },
  { name: "errors" },
);
