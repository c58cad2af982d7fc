import { describe, expect, it } from "vitest";
import { cacheControl, createHeightCache, createResponseCache, etagFor, ifNoneMatchHits } from "./cache.js";

describe("the height cache", () => {
  it("computes once per key and height, shares the computation, and recomputes when the height moves", async () => {
    const cache = createHeightCache();
    let runs = 0;
    const compute = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 10));
      return runs;
    };
    const [a, b] = await Promise.all([cache.get("k", 5, compute), cache.get("k", 5, compute)]);
    expect([a, b, runs]).toEqual([1, 1, 1]);
    expect(await cache.get("k", 6, compute)).toBe(2);
    expect(await cache.get("k", 6, compute)).toBe(2);
  });

  it("does not keep a failed computation, and forgets the least recently used keys", async () => {
    const cache = createHeightCache({ maxKeys: 2 });
    await expect(cache.get("bad", 1, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.get("bad", 1, async () => "ok")).toBe("ok");
    await cache.get("a", 1, async () => 1);
    await cache.get("b", 1, async () => 2);
    expect(cache.size()).toBe(2);
    let again = false;
    await cache.get("bad", 1, async () => {
      again = true;
      return "x";
    });
    expect(again).toBe(true);
    cache.clear();
    expect(cache.size()).toBe(0);
  });
});

describe("the response cache", () => {
  const response = (bytes: number) => ({ status: 200, headers: [] as [string, string][], body: new Uint8Array(bytes) });

  it("shares one rendering and keeps it only when asked", async () => {
    const cache = createResponseCache();
    let renders = 0;
    const render = async () => {
      renders++;
      return { response: response(10), keep: false };
    };
    await Promise.all([cache.get("/a", 1, render), cache.get("/a", 1, render)]);
    expect(renders).toBe(1);
    await cache.get("/a", 1, render);
    expect(renders).toBe(2);
    expect(cache.bytes()).toBe(0);
  });

  it("stays within its byte budget, dropping the least recently used first", async () => {
    const cache = createResponseCache({ maxBytes: 3000 });
    for (const key of ["/1", "/2", "/3"])
      await cache.get(key, 1, async () => ({ response: response(1000), keep: true }));
    expect(cache.bytes()).toBeLessThanOrEqual(3000);
    let rerendered = 0;
    await cache.get("/1", 1, async () => {
      rerendered++;
      return { response: response(1000), keep: true };
    });
    expect(rerendered).toBe(1);
    // A new height replaces the entry.
    await cache.get("/1", 2, async () => ({ response: response(5), keep: true }));
    expect(cache.bytes()).toBeLessThanOrEqual(3000);
    await expect(cache.get("/x", 1, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    cache.clear();
    expect(cache.bytes()).toBe(0);
  });
});

describe("HTTP caching headers", () => {
  it("tags each URL at each height differently, and matches If-None-Match as GET does", () => {
    const a = etagFor("b1", 10, "/elections/1");
    expect(a).toMatch(/^"b1-10-[0-9a-z]+"$/);
    expect(etagFor("b1", 10, "/elections/2")).not.toBe(a);
    expect(etagFor("b1", 11, "/elections/1")).not.toBe(a);
    expect(ifNoneMatchHits(a, a)).toBe(true);
    expect(ifNoneMatchHits(`"other", W/${a}`, a)).toBe(true);
    expect(ifNoneMatchHits("*", a)).toBe(true);
    expect(ifNoneMatchHits('"other"', a)).toBe(false);
    expect(ifNoneMatchHits(null, a)).toBe(false);
    expect(cacheControl(5, 30)).toBe("public, max-age=5, stale-while-revalidate=30");
  });
});
