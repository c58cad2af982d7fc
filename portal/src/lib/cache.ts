/**
 * Caching keyed by the indexed height: what the indexer's database says cannot change until the
 * indexer processes another block, so one computation per height serves every request.
 */

export interface HeightCache {
  /**
   * The value of `compute` for `key` at `height`: computed once, shared by concurrent callers,
   * replaced when the height moves. A failed computation is not kept.
   */
  get<T>(key: string, height: number, compute: () => Promise<T>): Promise<T>;
  clear(): void;
  size(): number;
}

export function createHeightCache(options: { maxKeys?: number } = {}): HeightCache {
  const maxKeys = options.maxKeys ?? 1000;
  const entries = new Map<string, { height: number; value: Promise<unknown> }>();
  return {
    get<T>(key: string, height: number, compute: () => Promise<T>): Promise<T> {
      const found = entries.get(key);
      if (found && found.height === height) {
        // Most recently used last, for eviction.
        entries.delete(key);
        entries.set(key, found);
        return found.value as Promise<T>;
      }
      const value = compute();
      const entry = { height, value };
      entries.delete(key);
      entries.set(key, entry);
      while (entries.size > maxKeys) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return value;
    },
    clear: () => entries.clear(),
    size: () => entries.size,
  };
}

export interface CachedResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/**
 * Rendered responses by URL and height, bounded in bytes (least recently used goes first), so a
 * crawler walking many URLs cannot grow the process without bound. Concurrent requests for the
 * same URL share one rendering; a rendering marked keep: false is shared but not kept.
 */
export interface ResponseCache {
  get(
    key: string,
    height: number,
    render: () => Promise<{ response: CachedResponse; keep: boolean }>,
  ): Promise<CachedResponse>;
  /** The kept answer for `key` at `height` when it is ready, without rendering or waiting. */
  peek(key: string, height: number): CachedResponse | undefined;
  bytes(): number;
  clear(): void;
}

export function createResponseCache(options: { maxBytes?: number } = {}): ResponseCache {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const entries = new Map<
    string,
    { height: number; value: Promise<CachedResponse>; bytes: number; ready?: CachedResponse }
  >();
  let total = 0;
  function remove(key: string) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    total -= entry.bytes;
  }
  function evict() {
    for (const key of entries.keys()) {
      if (total <= maxBytes) break;
      remove(key);
    }
  }
  return {
    get(key, height, render) {
      const found = entries.get(key);
      if (found && found.height === height) {
        entries.delete(key);
        entries.set(key, found);
        return found.value;
      }
      remove(key);
      const rendering = render();
      const entry: { height: number; value: Promise<CachedResponse>; bytes: number; ready?: CachedResponse } = {
        height,
        value: rendering.then((r) => r.response),
        bytes: 0,
      };
      entries.set(key, entry);
      rendering.then(
        ({ response, keep }) => {
          if (entries.get(key) !== entry) return;
          if (!keep) {
            entries.delete(key);
            return;
          }
          entry.bytes = response.body.byteLength + key.length + 256;
          entry.ready = response;
          total += entry.bytes;
          evict();
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return entry.value;
    },
    peek(key, height) {
      const found = entries.get(key);
      return found && found.height === height ? found.ready : undefined;
    },
    bytes: () => total,
    clear() {
      entries.clear();
      total = 0;
    },
  };
}

/** Strong ETag for a URL's answer at a height of a given build of the portal. */
export function etagFor(build: string, height: number, key: string): string {
  // FNV-1a of the key: short, and different URLs at the same height get different tags.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `"${build}-${height}-${hash.toString(36)}"`;
}

/** Whether an If-None-Match header names `etag` (weak comparison, as for GET). */
export function ifNoneMatchHits(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === bare);
}

export function cacheControl(maxAgeSeconds: number, staleSeconds: number): string {
  return `public, max-age=${maxAgeSeconds}, stale-while-revalidate=${staleSeconds}`;
}
