/**
 * src/subsquid/evm-entities.ts stands in for @subsquid/evm-processor's lib/mapping/entities.js in the
 * processor's bundle: the two must behave alike, and the bundle must hold the right one.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, test } from "vitest";
import * as ours from "./evm-entities.js";
import { fasterEvmEntities, REPLACED_ENTITIES_SHA256 } from "./index.js";

const require = createRequire(import.meta.url);
const packageFile = require.resolve("@subsquid/evm-processor/lib/mapping/entities.js");
const theirs = require(packageFile) as typeof ours;

/** What a caller can see of an object: its own fields, and the accessors and methods of its classes. */
function shape(value: object) {
  const members: string[] = [];
  for (
    let proto = Object.getPrototypeOf(value);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name === "constructor") continue;
      members.push(
        `${name}:${descriptor.get ? "get" : ""}${descriptor.set ? "set" : ""}${typeof descriptor.value === "function" ? "fn" : ""}`,
      );
    }
  }
  return { fields: JSON.parse(JSON.stringify(value)), keys: Object.keys(value), members: members.sort() };
}

describe("the processor's data classes", () => {
  test("the installed package holds the file evm-entities.ts was written from", () => {
    expect(createHash("sha256").update(readFileSync(packageFile)).digest("hex")).toBe(REPLACED_ENTITIES_SHA256);
  });

  for (const [implementation, classes] of [
    ["the package's", theirs],
    ["evm-entities.ts", ours],
  ] as const) {
    test(`${implementation}: links, lazy lists and assertions`, () => {
      const { Block, BlockHeader, Log, Transaction, TraceCall, StateDiffAdd } = classes;
      const header = new BlockHeader(7, "0xabc", "0xab0");
      const tx = new Transaction(header, 2);
      const log = new Log(header, 5, 2);
      expect(log.block).toBe(header);
      expect(() => log.getTransaction()).toThrow(/transaction != null/);
      log.transaction = tx;
      expect(log.getTransaction()).toBe(tx);
      expect(tx.logs).toEqual([]);
      tx.logs.push(log);
      expect(tx.logs).toEqual([log]);
      const trace = new TraceCall(header, 2, [0, 1]);
      expect(trace.type).toBe("call");
      expect(trace.children).toEqual([]);
      expect(() => trace.getParent()).toThrow();
      const diff = new StateDiffAdd(header, 2, "0xdef", "balance");
      expect(diff.kind).toBe("+");
      expect(new Block(header).header).toBe(header);
    });
  }

  test("the same fields, keys, accessors and methods, class by class", () => {
    const oneOfEach = (classes: typeof ours) => {
      const header = new classes.BlockHeader(7, "0xabc", "0xab0");
      return [
        header,
        new classes.Block(header),
        new classes.Transaction(header, 2),
        new classes.Log(header, 5, 2),
        new classes.TraceCreate(header, 1, []),
        new classes.TraceCall(header, 1, [0]),
        new classes.TraceSuicide(header, 1, [1]),
        new classes.TraceReward(header, 1, [2]),
        new classes.StateDiffNoChange(header, 0, "0x1", "code"),
        new classes.StateDiffAdd(header, 0, "0x1", "code"),
        new classes.StateDiffChange(header, 0, "0x1", "code"),
        new classes.StateDiffDelete(header, 0, "0x1", "code"),
      ];
    };
    const theirObjects = oneOfEach(theirs);
    const ourObjects = oneOfEach(ours);
    expect(ourObjects).toHaveLength(theirObjects.length);
    theirObjects.forEach((theirObject, index) => {
      const ourObject = ourObjects[index] as object;
      expect(ourObject.constructor.name).toBe(theirObject.constructor.name);
      expect(shape(ourObject)).toEqual(shape(theirObject));
    });
  });
});

describe("the processor's bundle", () => {
  const bundle = (expected?: string) =>
    build({
      stdin: {
        contents: 'export { mapBlock } from "@subsquid/evm-processor/lib/ds-rpc/mapping.js";',
        resolveDir: path.dirname(packageFile),
        loader: "js",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      logLevel: "silent",
      plugins: [fasterEvmEntities(expected)],
    });

  test("takes evm-entities.ts in place of the package's file", async () => {
    const result = await bundle();
    const code = result.outputFiles[0]?.text ?? "";
    expect(result.warnings).toEqual([]);
    expect(code).toContain("src/subsquid/evm-entities.ts");
    expect(code).not.toContain("evm-processor/lib/mapping/entities.js");
  });

  test("keeps the package's file, and says so, when it is not the one evm-entities.ts was written from", async () => {
    const result = await bundle("0".repeat(64));
    const code = result.outputFiles[0]?.text ?? "";
    expect(result.warnings.map((w) => w.text).join("\n")).toMatch(
      /is not the file src\/subsquid\/evm-entities.ts replaces/,
    );
    expect(code).not.toContain("src/subsquid/evm-entities.ts");
    expect(code).toContain("evm-processor/lib/mapping/entities.js");
  });
});
