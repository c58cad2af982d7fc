import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createRpcPool, RpcError } from "./rpc-pool.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A JSON-RPC endpoint on loopback that answers with `answer(method)` and counts calls. */
async function endpoint(answer: (method: string) => { status?: number; body?: unknown }) {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const { id, method } = JSON.parse(body);
      calls.push(method);
      const a = answer(method);
      res.writeHead(a.status ?? 200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id, ...(a.body as object) }));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

describe("RPC pool", () => {
  it("fails over on 5xx and on a refused connection, and prefers the first URL again once it is back", async () => {
    let firstDown = true;
    const a = await endpoint(() => (firstDown ? { status: 503 } : { body: { result: "0xa" } }));
    const b = await endpoint(() => ({ body: { result: "0xb" } }));
    let clock = 1_000_000;
    const pool = createRpcPool({
      urls: ["http://127.0.0.1:1", a.url, b.url],
      baseDelayMs: 200,
      maxDelayMs: 400,
      now: () => clock,
    });
    expect(await pool.call("eth_blockNumber")).toBe("0xb");
    expect(pool.activeUrl()).toBe(b.url);
    expect(pool.health().map((h) => h.up)).toEqual([false, false, true]);
    firstDown = false;
    // Still within their backoff (at most base + max = 600 ms): the pool stays on b.
    clock += 100;
    expect(await pool.call("eth_blockNumber")).toBe("0xb");
    // Past it (the clock moved, no sleeping): the first URL that answers is preferred again.
    clock += 600;
    expect(pool.health().map((h) => h.up)).toEqual([true, true, true]);
    expect(await pool.call("eth_blockNumber")).toBe("0xa");
  });

  it("does not fail over on a JSON-RPC error answer: the chain has spoken", async () => {
    const a = await endpoint(() => ({ body: { error: { code: 3, message: "execution reverted", data: "0x1234" } } }));
    const b = await endpoint(() => ({ body: { result: "0x1" } }));
    const pool = createRpcPool({ urls: [a.url, b.url] });
    const error = await pool.call("eth_call").catch((e) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ rpcCode: 3, data: "0x1234" });
    expect(b.calls).toEqual([]);
  });

  it("gives up with a retryable error naming every endpoint after its rounds", async () => {
    const pool = createRpcPool({ urls: ["http://127.0.0.1:1", "http://127.0.0.1:2"], rounds: 2, baseDelayMs: 5 });
    const error = (await pool.call("eth_chainId").catch((e) => e)) as Error & { retryable: boolean };
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/no RPC endpoint answered \(http:\/\/127\.0\.0\.1:1: .*; http:\/\/127\.0\.0\.1:2: /);
  });
});
