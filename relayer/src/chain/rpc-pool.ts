/**
 * JSON-RPC over several endpoints with failover. A transport failure (connection refused, reset,
 * timeout, HTTP 5xx or 429) marks the endpoint down for an exponentially growing, jittered time
 * and the call moves on to the next one; when every endpoint failed, the pool waits (full jitter
 * backoff) and tries again a few rounds before giving up with a RetryableError. A JSON-RPC error
 * answer (a revert, "nonce too low") is the chain speaking, not an outage: it is thrown at once as
 * an RpcError. The first URL is preferred again as soon as its down time has passed.
 */
import { backoffDelay, NonRetryableError, RetryableError } from "@veritally/contracts";
import { JsonRpcApiProvider, type JsonRpcError, type JsonRpcPayload, type JsonRpcResult, Network } from "ethers";

/** A JSON-RPC error answer: the node understood the call and refused it. */
export class RpcError extends NonRetryableError {
  readonly rpcCode: number;
  readonly data: unknown;
  readonly method: string;
  constructor(method: string, rpcCode: number, message: string, data: unknown) {
    super("rpc_error", `${method}: ${message} (code ${rpcCode})`);
    this.method = method;
    this.rpcCode = rpcCode;
    this.data = data;
  }
}

export interface EndpointHealth {
  url: string;
  up: boolean;
  consecutiveFailures: number;
  lastError: string | null;
}

export interface RpcPool {
  readonly urls: readonly string[];
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** The endpoint that answered last. */
  activeUrl(): string;
  health(): EndpointHealth[];
  /** An ethers provider whose every request goes through the pool (for contract views). */
  provider(chainId: number): JsonRpcApiProvider;
}

export interface RpcPoolOptions {
  urls: string[];
  timeoutMs?: number;
  /** Rounds over all endpoints before giving up. */
  rounds?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  fetch?: typeof fetch;
  /** The clock (ms) that decides when a down endpoint is due again; tests move it by hand. */
  now?: () => number;
}

interface Endpoint {
  url: string;
  failures: number;
  downUntil: number;
  lastError: string | null;
}

class TransportError extends RetryableError {}

export function createRpcPool(options: RpcPoolOptions): RpcPool {
  if (options.urls.length === 0) throw new NonRetryableError("config_invalid", "RPC_URLS: at least one URL");
  const timeoutMs = options.timeoutMs ?? 5000;
  const rounds = options.rounds ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  // Full jitter: many relayers retrying one endpoint spread out.
  const backoff = { baseMs: baseDelayMs, maxMs: maxDelayMs, jitter: "full" } as const;
  const random = options.random ?? Math.random;
  const doFetch = options.fetch ?? fetch;
  const clock = options.now ?? Date.now;
  const endpoints: Endpoint[] = options.urls.map((url) => ({ url, failures: 0, downUntil: 0, lastError: null }));
  let active = endpoints[0] as Endpoint;
  let nextId = 1;

  async function send(endpoint: Endpoint, method: string, params: unknown[]): Promise<unknown> {
    let response: Response;
    let body: { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    try {
      response = await doFetch(endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 429 || response.status >= 500) {
        throw new TransportError("rpc_http", `HTTP ${response.status}`);
      }
      body = (await response.json()) as typeof body;
    } catch (error) {
      if (error instanceof TransportError) throw error;
      const e = error as { name?: string; message?: string; cause?: { code?: string } };
      const what =
        e.name === "TimeoutError" ? `timeout after ${timeoutMs} ms` : (e.cause?.code ?? e.message ?? "failed");
      throw new TransportError("rpc_transport", what, { cause: error });
    }
    if (body.error) {
      // -32005: the provider's rate limit; an outage of this endpoint, not an answer.
      if (body.error.code === -32005) throw new TransportError("rpc_limited", body.error.message);
      throw new RpcError(method, body.error.code, body.error.message, body.error.data);
    }
    if (!("result" in body)) throw new TransportError("rpc_malformed", "answer without result or error");
    return body.result;
  }

  async function call<T>(method: string, params: unknown[] = []): Promise<T> {
    let lastError: Error | undefined;
    for (let round = 0; round < rounds; round++) {
      const now = clock();
      // Endpoints that are up first, in configured order; then the down ones, soonest back first.
      const order = [
        ...endpoints.filter((e) => e.downUntil <= now),
        ...endpoints.filter((e) => e.downUntil > now).sort((a, b) => a.downUntil - b.downUntil),
      ];
      for (const endpoint of order) {
        try {
          const result = await send(endpoint, method, params);
          endpoint.failures = 0;
          endpoint.downUntil = 0;
          endpoint.lastError = null;
          active = endpoint;
          return result as T;
        } catch (error) {
          if (!(error instanceof TransportError)) throw error;
          endpoint.failures++;
          endpoint.lastError = error.message;
          endpoint.downUntil = clock() + baseDelayMs + backoffDelay(backoff, endpoint.failures, random);
          lastError = error;
        }
      }
      if (round < rounds - 1) {
        await new Promise((r) => setTimeout(r, backoffDelay(backoff, round + 1, random)));
      }
    }
    throw new RetryableError(
      "rpc_unavailable",
      `${method}: no RPC endpoint answered (${endpoints.map((e) => `${e.url}: ${e.lastError}`).join("; ")})`,
      { cause: lastError },
    );
  }

  const providers = new Map<number, JsonRpcApiProvider>();

  class PoolProvider extends JsonRpcApiProvider {
    override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<(JsonRpcResult | JsonRpcError)[]> {
      const payloads = Array.isArray(payload) ? payload : [payload];
      return Promise.all(
        payloads.map(async (p): Promise<JsonRpcResult | JsonRpcError> => {
          try {
            return { id: p.id, result: await call(p.method, p.params as unknown[]) };
          } catch (error) {
            if (error instanceof RpcError) {
              return { id: p.id, error: { code: error.rpcCode, message: error.message, data: error.data } };
            }
            throw error;
          }
        }),
      );
    }
  }

  return {
    urls: options.urls,
    call,
    activeUrl: () => active.url,
    health: () =>
      endpoints.map((e) => ({
        url: e.url,
        up: e.downUntil <= clock(),
        consecutiveFailures: e.failures,
        lastError: e.lastError,
      })),
    provider(chainId: number) {
      let provider = providers.get(chainId);
      if (!provider) {
        const network = Network.from(chainId);
        provider = new PoolProvider(network, { staticNetwork: network, batchMaxCount: 1, cacheTimeout: -1 });
        providers.set(chainId, provider);
      }
      return provider;
    },
  };
}
