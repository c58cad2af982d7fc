/**
 * Optional fields an election's metadata may carry beyond title, description and choices (the
 * metadata JSON is public, emitted on chain): whom voters report a problem to, and the size of the
 * electoral roll, for turnout. Anything malformed is ignored, never shown half-read.
 */
import { neutraliseBidi } from "./display-text.js";

export interface Contact {
  /** What to show: a name, an address or a site. */
  text: string;
  /** mailto: or https: when the contact is an address or a site. */
  href: string | null;
}

export interface ElectionExtras {
  contact: Contact | null;
  /** People on the electoral roll, when the metadata says. */
  eligibleVoters: number | null;
}

const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}\.[a-z]{2,}$/i;

function contactOf(value: unknown): Contact | null {
  if (typeof value !== "string") return null;
  const text = neutraliseBidi(value.trim());
  if (text === "" || text.length > 200) return null;
  if (EMAIL.test(text)) return { text, href: `mailto:${text}` };
  if (/^https:\/\/[^\s<>"]+$/i.test(text)) return { text, href: text };
  return { text, href: null };
}

export function extrasOf(metadataRaw: string | null): ElectionExtras {
  let parsed: unknown;
  try {
    parsed = metadataRaw === null ? null : JSON.parse(metadataRaw);
  } catch {
    parsed = null;
  }
  const m =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const roll = m.eligibleVoters;
  return {
    contact: contactOf(m.contact),
    eligibleVoters: typeof roll === "number" && Number.isSafeInteger(roll) && roll > 0 ? roll : null,
  };
}
