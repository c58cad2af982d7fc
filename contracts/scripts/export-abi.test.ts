import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderAbiFiles } from "./export-abi.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("committed ABI files", () => {
  it("match the compiled contracts (run `npm run build -w contracts` and commit if this fails)", async () => {
    const files = await renderAbiFiles();
    expect(files.size).toBe(3);
    for (const [file, text] of files) {
      expect(await readFile(path.join(root, file), "utf8"), file).toBe(text);
    }
  });
});
