/**
 * Checks of a new election's input beyond its schema, so bad text is a 400 naming the field and
 * never reaches Postgres (which refuses U+0000 and lone surrogates) or the chain:
 * text must be well-formed Unicode without control characters (description may hold newlines
 * and tabs); title and labels must have something visible (not only white space, zero-width or
 * other format characters); labels must differ once normalised (NFKC, trimmed, case-folded);
 * dates must be real instants (a leap second 23:59:60 is not one JavaScript can represent).
 */
import { InvalidInputError } from "@veritally/contracts";

const INVISIBLE = /[\p{Cf}\p{Z}\s]/gu;

function checkText(field: string, value: unknown, options: { multiline?: boolean; visible?: boolean } = {}) {
  if (typeof value !== "string") return;
  if (/\p{Cs}/u.test(value)) throw new InvalidInputError(field, "contains a lone surrogate (not valid Unicode text)");
  // Multi-line text may hold tab, line feed and carriage return; no other control character.
  const control = options.multiline ? /(?![\t\n\r])\p{Cc}/u : /\p{Cc}/u;
  const bad = control.exec(value);
  if (bad) {
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    throw new InvalidInputError(field, `contains the control character U+${code}`);
  }
  if (options.visible && value.replace(INVISIBLE, "") === "") {
    throw new InvalidInputError(field, "has no visible characters");
  }
}

export const labelKey = (label: string) => label.normalize("NFKC").replace(INVISIBLE, "").toLowerCase();

export function checkElectionText(metadata: {
  title?: unknown;
  description?: unknown;
  choices?: unknown;
  contact?: unknown;
}): void {
  checkText("metadata.title", metadata.title, { visible: true });
  checkText("metadata.contact", metadata.contact, { visible: true });
  checkText("metadata.description", metadata.description, { multiline: true });
  if (!Array.isArray(metadata.choices)) return;
  const seen = new Map<string, number>();
  metadata.choices.forEach((label: unknown, i) => {
    checkText(`metadata.choices[${i}]`, label, { visible: true });
    if (typeof label !== "string") return;
    const key = labelKey(label);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new InvalidInputError(`metadata.choices[${i}]`, `the same label as metadata.choices[${first}]`);
    }
    seen.set(key, i);
  });
}

/** A date-time the schema let through, as a Date; a 400 naming the field when it is not an instant. */
export function parseInstant(field: string, text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidInputError(
      field,
      /T23:59:60/i.test(text) ? "leap seconds (23:59:60) are not accepted" : "not a valid date-time",
    );
  }
  return date;
}
