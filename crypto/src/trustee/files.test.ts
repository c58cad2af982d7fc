import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type TrusteeSecret, verifyTrusteePublic } from "./ceremony.js";
import { electionKeyFromJson, sharesFromJson, tallyInputFromJson, trusteePublicFromJson } from "./formats.js";
import { FormatError, type Json, scalar } from "./json.js";
import { receiveShares } from "./shares.js";
import { makeTrusteeVectors, VECTOR_CONTEXT } from "./vectors.js";
import { verifyDecryptionShareFile, verifyTallyFile } from "./verify-files.js";

const vectors = makeTrusteeVectors() as { [k: string]: Json };
const files = vectors.files as { [k: string]: Json };
const record = electionKeyFromJson(files.electionKey);
const input = tallyInputFromJson(files.tallyInput);
const secrets: TrusteeSecret[] = (vectors.secrets as { coefficients: string[]; communicationSecret: string }[]).map(
  (s, i) => ({
    index: i + 1,
    coefficients: s.coefficients.map((c) => scalar(c, "coefficient")),
    communicationSecret: scalar(s.communicationSecret, "communicationSecret"),
  }),
);

type Path = (string | number)[];

/** Every leaf (string or number) of a JSON value, by path. */
function leaves(value: Json, path: Path = []): Path[] {
  if (typeof value === "string" || typeof value === "number") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [];
}

/** A copy with one leaf changed: a hex digit replaced, a number incremented, any other string extended. */
function mutate(value: Json, path: Path, position: number, delta: number): Json {
  const copy = structuredClone(value);
  let parent = copy as { [k: string | number]: Json };
  for (const k of path.slice(0, -1)) parent = parent[k] as { [k: string | number]: Json };
  const key = path[path.length - 1] ?? "";
  const leaf = parent[key];
  if (typeof leaf === "number") parent[key] = leaf + delta;
  else if (typeof leaf === "string") {
    const digits = [...leaf]
      .map((ch, i) => ({ ch, i }))
      .filter(({ ch, i }) => /[0-9a-f]/.test(ch) && !(i === 1 && leaf.startsWith("0x")));
    const target = digits[position % Math.max(1, digits.length)];
    if (!target) parent[key] = `${leaf}x`;
    else {
      const next = ((Number.parseInt(target.ch, 16) + delta) % 16).toString(16);
      parent[key] = leaf.slice(0, target.i) + next + leaf.slice(target.i + 1);
    }
  }
  return copy;
}

function refusedEverywhere(file: Json, check: (mutated: Json) => { ok: boolean }, runs: number): void {
  const paths = leaves(file);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: paths.length - 1 }),
      fc.nat(),
      fc.integer({ min: 1, max: 15 }),
      (p, position, delta) => {
        const path = paths[p] ?? [];
        const result = check(mutate(file, path, position, delta));
        expect(result.ok, `changed ${path.join(".")}`).toBe(false);
      },
    ),
    { numRuns: runs },
  );
}

/** A parse failure counts as a refusal; anything else thrown is a bug. */
function guarded(f: () => { ok: boolean }): { ok: boolean } {
  try {
    return f();
  } catch (e) {
    if (e instanceof FormatError || e instanceof RangeError) return { ok: false };
    throw e;
  }
}

describe("published files: every single-field change is refused", () => {
  it("the honest files verify", () => {
    const shares = files.decryptionShares as Json[];
    for (const s of shares) expect(verifyDecryptionShareFile(record, input, s)).toEqual({ ok: true });
    expect(verifyTallyFile(record, input, files.tally)).toEqual({ ok: true });
    expect(verifyTallyFile(record, undefined, files.tally)).toEqual({ ok: true });
  });

  it("a decryption share", () => {
    const share = (files.decryptionShares as Json[])[1] ?? null;
    refusedEverywhere(share, (m) => verifyDecryptionShareFile(record, input, m), 120);
  });

  it("a tally, with and without the tally input", () => {
    refusedEverywhere(files.tally ?? null, (m) => verifyTallyFile(record, input, m), 150);
    refusedEverywhere(files.tally ?? null, (m) => verifyTallyFile(record, undefined, m), 100);
  });

  it("a trustee's public record", () => {
    const pub = (files.trusteePublic as Json[])[2] ?? null;
    refusedEverywhere(
      pub,
      (m) =>
        guarded(() => {
          const { trustee } = trusteePublicFromJson(m, VECTOR_CONTEXT);
          if (trustee.index !== 3) return { ok: false };
          return verifyTrusteePublic(VECTOR_CONTEXT, trustee);
        }),
      120,
    );
  });

  it("an encrypted shares file: a recipient complains or the file is refused", () => {
    const all = (files.shares as Json[]).flatMap((s) => sharesFromJson(s).shares);
    const file = (files.shares as Json[])[1] ?? null;
    refusedEverywhere(
      file,
      (m) =>
        guarded(() => {
          const { sender, shares } = sharesFromJson(m, VECTOR_CONTEXT);
          if (sender !== 2) return { ok: false };
          const mixed = [...all.filter((s) => s.sender !== 2), ...shares];
          const complaints = secrets
            .filter((s) => s.index !== 2)
            .map((s) => receiveShares(VECTOR_CONTEXT, s, record.trustees, mixed, () => 1n).share === undefined);
          return { ok: !complaints.includes(true) };
        }),
      60,
    );
  });
});
