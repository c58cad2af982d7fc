/**
 * The JSON body parser. JSON.parse would take `{"voterId":"a","voterId":"b"}` silently (the last
 * one wins), and Fastify's own parser answers "Body is not valid JSON" to a `__proto__` key. This
 * one parses, then walks the text once and refuses duplicate keys and the keys `__proto__`,
 * `constructor` and `prototype`, naming the key and its place in the body.
 */
import fp from "fastify-plugin";
import { HttpError } from "../http-errors.js";

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

interface Frame {
  object: boolean;
  keys: Set<string>;
  expectKey: boolean;
  key: string | null;
  index: number;
}

function place(stack: Frame[], key: string): string {
  const parts = ["body"];
  for (const f of stack.slice(0, -1)) parts.push(f.object ? String(f.key) : `[${f.index}]`);
  parts.push(key);
  return parts.join(".").replace(/\.\[/g, "[");
}

/** Throws a 400 naming the first duplicate or forbidden key of a JSON text that JSON.parse accepted. */
export function checkJsonKeys(text: string): void {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: find its end, skipping escapes
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        const raw = text.slice(i, j + 1);
        const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (FORBIDDEN.has(key)) {
          throw new HttpError(
            400,
            "invalid_request",
            `${place(stack, key)}: the key ${JSON.stringify(key)} is not allowed (it could alter object prototypes)`,
          );
        }
        if (top.keys.has(key)) {
          throw new HttpError(400, "invalid_request", `${place(stack, key)}: duplicate key ${JSON.stringify(key)}`);
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      stack.push({ object: true, keys: new Set(), expectKey: true, key: null, index: 0 });
    } else if (c === 0x5b) {
      stack.push({ object: false, keys: new Set(), expectKey: false, key: null, index: 0 });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
      else if (top) top.index++;
    }
  }
}

export default fp(
  async (app) => {
    app.removeContentTypeParser("application/json");
    // JSON only: Fastify's built-in text/plain parser would hand a string to the schema (a 400
    // about the body's type) where the document promises 415 for any other media type.
    app.removeContentTypeParser("text/plain");
    app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
      const text = body as string;
      if (text.length === 0) {
        done(new HttpError(400, "empty_body", "body: empty, expected a JSON document"), undefined);
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        done(new HttpError(400, "invalid_json", "body: not valid JSON"), undefined);
        return;
      }
      try {
        checkJsonKeys(text);
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
      done(null, value);
    });
  },
  { name: "json-body" },
);
