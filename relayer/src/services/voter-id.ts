/**
 * Voter ids are canonicalised before they are keyed, so that one voter cannot vote twice by
 * spelling (NFC and NFD "josé", "ﬁ" and "fi", fullwidth forms, NBSP, leading or trailing spaces,
 * a trailing newline, upper and lower case) and different voters do not collide:
 *
 *   1. refused if not well-formed UTF-16 (a lone surrogate);
 *   2. Unicode NFKC, then trimmed of white space (so a trailing newline goes);
 *   3. refused if what is left contains U+FFFD (a byte that was not UTF-8 on the way in), a
 *      control character (Cc), a format character (Cf: zero-width spaces and joiners,
 *      bidirectional controls) or a line or paragraph separator, or is empty (whitespace only)
 *      or longer than 256 characters;
 *   4. case: "fold" (the default) lower-cases (then NFKC again), "exact" keeps case.
 *
 * The case policy is VOTER_ID_CASE, or the client's own (clients.voter_id_case).
 */
import { InvalidInputError } from "@veritally/contracts";

export type VoterIdCase = "fold" | "exact";

const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\uFFFD]/u;

export function canonicalVoterId(raw: string, policy: VoterIdCase): string {
  // With the u flag a surrogate matches only when it is not part of a pair.
  if (/\p{Cs}/u.test(raw)) throw new InvalidInputError("voterId", "contains a lone surrogate (not valid Unicode text)");
  // Trimmed of White_Space only: String.prototype.trim would also drop a BOM (U+FEFF), which
  // is a format character and refused below.
  let id = raw.normalize("NFKC").replace(/^\p{White_Space}+|\p{White_Space}+$/gu, "");
  const bad = FORBIDDEN.exec(id);
  if (bad) {
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    throw new InvalidInputError(
      "voterId",
      `contains U+${code}, a control, invisible or replacement character; voter ids are visible text`,
    );
  }
  if (policy === "fold") id = id.toLowerCase().normalize("NFKC");
  if (id === "") throw new InvalidInputError("voterId", "must not be empty or only white space");
  if (id.length > 256) throw new InvalidInputError("voterId", "at most 256 characters after normalisation");
  return id;
}
