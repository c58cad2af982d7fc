/**
 * The public face of the GraphQL endpoint: a plain Node HTTP server in front of Subsquid's, which
 * listens on an internal 127.0.0.1 port. It reads the body itself (so malformed JSON never reaches
 * Express's HTML error page), refuses documents over the limits of graphql-limits.ts, forwards the
 * rest, and strips the stack traces, file paths and SQL that Apollo puts in errors.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type GraphQLSchema, parse } from "graphql";
import { checkQueryLimits, DEFAULT_QUERY_LIMITS, type QueryLimits, QueryRefused } from "./graphql-limits.js";

export interface GuardOptions {
  host: string;
  port: number;
  /** Subsquid's server, on 127.0.0.1. */
  upstreamPort: number;
  /** Field types for the cost count (the upstream server's schema). */
  schema: GraphQLSchema;
  limits?: Partial<QueryLimits>;
  maxBodyBytes?: number;
  /** Requests handled at once; more are answered 503 at once rather than queued behind slow ones. */
  maxInFlight?: number;
  /** Above the server's SQL statement timeout (10 s), so that one answers first. */
  upstreamTimeoutMs?: number;
}

export interface RunningGuard {
  port: number;
  close(): Promise<void>;
}

interface SafeError {
  message: string;
  locations?: unknown;
  path?: unknown;
  extensions?: { code: string };
}

/** The data is public and nothing is sent with credentials: any origin may read. */
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type",
  "access-control-max-age": "86400",
};

const QUERY_FAILED = "query failed";

export async function startGraphqlGuard(options: GuardOptions): Promise<RunningGuard> {
  const limits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const maxInFlight = options.maxInFlight ?? 64;
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 15_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  let inFlight = 0;

  const server = http.createServer((req, res) => {
    if (inFlight >= maxInFlight) {
      req.resume();
      reply(res, 503, { errors: [{ message: "the server is busy, try again shortly" }] });
      return;
    }
    inFlight++;
    res.once("close", () => inFlight--);
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, { errors: [{ message: QUERY_FAILED }] });
      else res.destroy();
    });
  });
  // A client that trickles its headers or body does not hold a slot for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 20_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const isGraphql = url.pathname === "/graphql" || url.pathname === "/graphql/";
    if (req.method === "OPTIONS" && isGraphql) {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    const page = /text\/html/.test(req.headers.accept ?? "") && !url.searchParams.has("query");
    if (req.method === "GET" && (url.pathname.startsWith("/console/") || (isGraphql && page))) {
      // The GraphiQL playground and its assets: static, no query in them.
      passThrough(req, res);
      return;
    }
    if (!isGraphql) return reply(res, 404, { errors: [{ message: "not found: the endpoint is /graphql" }] });

    let request: unknown;
    if (req.method === "GET") {
      if (!url.searchParams.has("query")) {
        return reply(res, 400, { errors: [{ message: 'a GET needs a "query" parameter' }] });
      }
      const variables = url.searchParams.get("variables");
      try {
        request = {
          query: url.searchParams.get("query"),
          operationName: url.searchParams.get("operationName") ?? undefined,
          variables: variables ? JSON.parse(variables) : undefined,
        };
      } catch {
        return reply(res, 400, { errors: [{ message: 'the "variables" parameter is not valid JSON' }] });
      }
    } else if (req.method === "POST") {
      const type = req.headers["content-type"] ?? "";
      if (!/^application\/(graphql-response\+)?json\b/i.test(type)) {
        req.resume();
        return reply(res, 415, { errors: [{ message: "send the request as JSON (content-type: application/json)" }] });
      }
      const body = await readBody(req, maxBodyBytes);
      if (body === undefined) {
        return reply(res, 413, { errors: [{ message: `the request body is larger than ${maxBodyBytes} bytes` }] });
      }
      try {
        request = JSON.parse(body);
      } catch {
        return reply(res, 400, { errors: [{ message: "the request body is not valid JSON" }] });
      }
    } else {
      req.resume();
      res.setHeader("allow", "GET, POST, OPTIONS");
      return reply(res, 405, { errors: [{ message: `method ${req.method} is not allowed: use GET or POST` }] });
    }

    const refusal = requestShape(request);
    if (refusal) return reply(res, 400, { errors: [{ message: refusal, extensions: { code: "BAD_REQUEST" } }] });
    const { query, variables, operationName } = request as {
      query: string;
      variables?: Record<string, unknown> | null;
      operationName?: string | null;
    };
    let document: ReturnType<typeof parse>;
    try {
      document = parse(query, { noLocation: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : "Syntax Error";
      return reply(res, 400, { errors: [{ message, extensions: { code: "GRAPHQL_PARSE_FAILED" } }] });
    }
    try {
      checkQueryLimits(document, variables ?? undefined, options.schema, limits);
    } catch (error) {
      if (!(error instanceof QueryRefused)) throw error;
      return reply(res, 400, { errors: [{ message: error.message, extensions: { code: error.code } }] });
    }

    const upstream = await forward(JSON.stringify({ query, variables, operationName }));
    if (!upstream) return reply(res, 504, { errors: [{ message: "the query took too long" }] });
    let answer: { data?: unknown; errors?: unknown };
    try {
      answer = JSON.parse(upstream.body);
    } catch {
      return reply(res, 502, { errors: [{ message: QUERY_FAILED }] });
    }
    const safe: Record<string, unknown> = {};
    if (answer.errors !== undefined) safe.errors = sanitizeErrors(answer.errors);
    if ("data" in answer) safe.data = answer.data;
    reply(res, upstream.status, safe);
  }

  function forward(body: string): Promise<{ status: number; body: string } | undefined> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: "127.0.0.1",
          port: options.upstreamPort,
          path: "/graphql",
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (c: Buffer) => chunks.push(c));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 502, body: Buffer.concat(chunks).toString("utf8") }),
          );
          response.on("error", reject);
        },
      );
      request.setTimeout(upstreamTimeoutMs, () => {
        request.destroy();
        resolve(undefined);
      });
      request.on("error", reject);
      request.end(body);
    });
  }

  function passThrough(req: http.IncomingMessage, res: http.ServerResponse): void {
    const request = http.request(
      {
        host: "127.0.0.1",
        port: options.upstreamPort,
        path: req.url,
        method: "GET",
        agent,
        headers: { accept: req.headers.accept ?? "*/*" },
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, {
          "content-type": response.headers["content-type"] ?? "application/octet-stream",
        });
        response.pipe(res);
      },
    );
    request.on("error", () => reply(res, 502, { errors: [{ message: QUERY_FAILED }] }));
    request.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: options.port, host: options.host }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...CORS_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** The body, or undefined once it passes `max` bytes (the rest is drained, not kept). */
function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > max) {
      req.resume();
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(over ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Why a parsed body is not one GraphQL request, or undefined. */
export function requestShape(request: unknown): string | undefined {
  if (Array.isArray(request)) return "batched requests are not supported: send one { query, variables } object";
  if (typeof request !== "object" || request === null) return "the body must be a JSON object with a query";
  const { query, variables, operationName } = request as Record<string, unknown>;
  if (typeof query !== "string" || query.trim() === "") return '"query" must be a non-empty string';
  if (variables != null && (typeof variables !== "object" || Array.isArray(variables))) {
    return '"variables" must be an object';
  }
  if (operationName != null && typeof operationName !== "string") return '"operationName" must be a string';
  return undefined;
}

/** A file path (/x/y.ts, C:\x), a stack frame or SQL: never shown. */
const INTERNALS =
  /(\/[\w.@-]+\/[\w.@/-]+|[A-Z]:\\|\bat \S+ \(|\bnode_modules\b|\b(select|insert|update|delete)\b[\s\S]*\b(from|into|set)\b|\b(relation|column|constraint|syntax error at)\b)/i;

/**
 * Errors as clients may see them: message, locations, path and code. Anything the server did
 * not mean as a client's mistake (INTERNAL_SERVER_ERROR: database errors, timeouts) is "query failed".
 */
export function sanitizeErrors(errors: unknown): SafeError[] {
  if (!Array.isArray(errors)) return [{ message: QUERY_FAILED }];
  return errors.map((error: unknown): SafeError => {
    const e = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
    const extensions = (typeof e.extensions === "object" && e.extensions !== null ? e.extensions : {}) as Record<
      string,
      unknown
    >;
    const code = typeof extensions.code === "string" ? extensions.code : "INTERNAL_SERVER_ERROR";
    let message = typeof e.message === "string" ? e.message : QUERY_FAILED;
    if (code === "INTERNAL_SERVER_ERROR" || INTERNALS.test(message)) message = QUERY_FAILED;
    if (message.length > 500) message = `${message.slice(0, 500)}…`;
    const safe: SafeError = { message, extensions: { code } };
    if (Array.isArray(e.locations)) safe.locations = e.locations;
    if (Array.isArray(e.path)) safe.path = e.path;
    return safe;
  });
}
