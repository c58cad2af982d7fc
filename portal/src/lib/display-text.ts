/**
 * Text from the chain (titles, descriptions, choice labels) as the portal shows it: anyone can
 * create an election on the contract, so a label may carry bidirectional controls that make it
 * read as something else ("Yes" shown for a label that says otherwise). They are replaced by a
 * visible mark; everything else is left as written (Astro escapes HTML).
 */
// LRE, RLE, PDF, LRO, RLO (U+202A–U+202E), LRI, RLI, FSI, PDI (U+2066–U+2069), LRM, RLM, ALM.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

export const BIDI_MARK = "\uFFFD";

export function neutraliseBidi(text: string): string {
  return text.replace(BIDI_CONTROLS, BIDI_MARK);
}
