/**
 * A sealed ballot's tracker as a reader types it or a booth's link carries it: 0x and the 64 hex
 * digits of the ballot's SHA-256 (docs/ballot-spec.md). Pure, bundled into the verify page.
 */
import { InvalidInputError } from "@veritally/contracts";
import { REF_PREFIX_HEX } from "./ref-prefix.js";

const TRACKER = /^0x[0-9a-f]{64}$/;

/** The tracker in lower case; spaces around are ignored. Throws an InvalidInputError naming `tracker`. */
export function readTracker(text: string): string {
  const value = text.trim().toLowerCase();
  if (TRACKER.test(value)) return value;
  if (!value.startsWith("0x")) {
    throw new InvalidInputError("tracker", "expected 0x followed by 64 hex digits (the SHA-256 of the sealed ballot)");
  }
  const digits = value.slice(2);
  const bad = digits.search(/[^0-9a-f]/);
  if (bad >= 0) {
    throw new InvalidInputError(
      "tracker",
      `character ${bad + 3} ('${digits[bad]}') is not a hex digit: a tracker is 0x followed by 64 digits 0-9 and a-f`,
    );
  }
  throw new InvalidInputError("tracker", `expected 64 hex digits after 0x, got ${digits.length}`);
}

/** The bucket of a tracker (0x + 64 hex) for the private lookup, as for refs (ref-prefix.ts). */
export function trackerPrefixOf(tracker: string): string {
  return tracker.slice(2, 2 + REF_PREFIX_HEX).toLowerCase();
}

/** A tracker carried by a link's fragment (#tracker=0x…), which no browser sends to a server. */
export function trackerFromFragment(hash: string): string | null {
  const match = /^#(?:.*&)?tracker=([^&]*)/.exec(hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1] ?? "");
  } catch {
    return match[1] ?? "";
  }
}

/** What the page says when a tracker cannot be read: the field's name and the decoder's reason. */
export function trackerError(error: unknown): string {
  const reason = error instanceof InvalidInputError ? error.message : String(error);
  return `The tracker cannot be read (${reason}). Type or paste it as your voting booth showed it: 0x followed by 64 digits 0–9 and a–f.`;
}
