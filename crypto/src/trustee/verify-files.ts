import type { Check } from "./ceremony.js";
import { verifyDecryptionShare } from "./decryption.js";
import type { ElectionKeyRecord } from "./election-key.js";
import { decryptionShareFromJson, type TallyInput, tallyFromJson } from "./formats.js";
import { FormatError } from "./json.js";
import { verifyTally } from "./tally.js";

/** Verifiers of the published JSON artefacts: a malformed file and a failing proof are both a refusal with a reason. */

function parsed<T>(parse: () => T): { ok: true; value: T } | { ok: false; reason: string } {
  try {
    return { ok: true, value: parse() };
  } catch (e) {
    if (e instanceof FormatError || e instanceof RangeError) return { ok: false, reason: e.message };
    throw e;
  }
}

export function sameInput(a: TallyInput, b: TallyInput): boolean {
  return (
    a.ballotCount === b.ballotCount &&
    a.jointKey.equals(b.jointKey) &&
    a.aggregate.length === b.aggregate.length &&
    a.aggregate.every((c, j) => {
      const o = b.aggregate[j];
      return o?.alpha.equals(c.alpha) === true && o.beta.equals(c.beta);
    })
  );
}

/** A decryption share file against the election key and the tally input it decrypts. */
export function verifyDecryptionShareFile(record: ElectionKeyRecord, input: TallyInput, json: unknown): Check {
  const p = parsed(() => decryptionShareFromJson(json, record.context));
  if (!p.ok) return p;
  if (!p.value.jointKey.equals(record.jointKey)) return { ok: false, reason: "jointKey: not the election key" };
  return verifyDecryptionShare(record, input.aggregate, p.value.share);
}

/** A tally file against the election key and, when given, the tally input it must be the tally of. */
export function verifyTallyFile(record: ElectionKeyRecord, input: TallyInput | undefined, json: unknown): Check {
  const p = parsed(() => tallyFromJson(json, record.context));
  if (!p.ok) return p;
  const t = p.value;
  if (!t.input.jointKey.equals(record.jointKey)) return { ok: false, reason: "jointKey: not the election key" };
  if (input && !sameInput(input, t.input))
    return { ok: false, reason: "aggregate/ballotCount: not those of the tally input" };
  return verifyTally(record, t.input.aggregate, t.input.ballotCount, t.tally);
}
