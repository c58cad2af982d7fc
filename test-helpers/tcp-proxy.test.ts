import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

describe("tcp proxy", () => {
  const server = createServer((_req, res) => res.end("pong"));
  let proxy: TcpProxy;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    proxy = await startTcpProxy(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
  });
  afterAll(async () => {
    await proxy.close();
    server.close();
  });

  it("forwards, refuses while cut, and forwards again when restored", async () => {
    const get = () => fetch(proxy.url, { signal: AbortSignal.timeout(2000) }).then((r) => r.text());
    expect(await get()).toBe("pong");
    proxy.cut();
    await expect(get()).rejects.toThrow();
    proxy.restore();
    expect(await get()).toBe("pong");
  });
});
