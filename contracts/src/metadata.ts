/**
 * Election metadata: the JSON emitted in `ElectionCreated` (only its hash is stored on chain),
 * so that the chain alone carries the title and the labels the portal shows.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { InvalidInputError } from "./errors.js";

export interface ElectionMetadata {
  title: string;
  description: string;
  /** One label per choice, in choice order (choice 0 first). */
  choices: string[];
  /** Whom voters and observers report a problem to: a name, an e-mail address or an https: site. */
  contact?: string;
  /** People on the electoral roll, so that readers can give turnout. */
  eligibleVoters?: number;
}

export const METADATA_LIMITS = { title: 200, description: 5000, choice: 200, choices: 1000, contact: 200 } as const;

/** Validates metadata given by an operator; throws InvalidInputError naming the field. */
export function validateElectionMetadata(value: unknown): ElectionMetadata {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError("metadata", "expected an object with title, description and choices");
  }
  const m = value as Record<string, unknown>;
  const text = (field: "title" | "description", required: boolean): string => {
    const v = m[field] ?? (required ? undefined : "");
    if (typeof v !== "string") throw new InvalidInputError(`metadata.${field}`, "expected a string");
    if (required && v.trim() === "") throw new InvalidInputError(`metadata.${field}`, "must not be empty");
    if (v.length > METADATA_LIMITS[field]) {
      throw new InvalidInputError(`metadata.${field}`, `at most ${METADATA_LIMITS[field]} characters`);
    }
    return v;
  };
  const title = text("title", true);
  const description = text("description", false);
  const choices = m.choices;
  if (!Array.isArray(choices)) throw new InvalidInputError("metadata.choices", "expected an array of labels");
  if (choices.length < 2 || choices.length > METADATA_LIMITS.choices) {
    throw new InvalidInputError("metadata.choices", `expected 2 to ${METADATA_LIMITS.choices} labels`);
  }
  choices.forEach((c, i) => {
    if (typeof c !== "string" || c.trim() === "" || c.length > METADATA_LIMITS.choice) {
      throw new InvalidInputError(
        `metadata.choices[${i}]`,
        `expected a label of 1 to ${METADATA_LIMITS.choice} characters`,
      );
    }
  });
  const result: ElectionMetadata = { title, description, choices: choices as string[] };
  if (m.contact !== undefined) {
    if (typeof m.contact !== "string" || m.contact.trim() === "" || m.contact.length > METADATA_LIMITS.contact) {
      throw new InvalidInputError("metadata.contact", `expected 1 to ${METADATA_LIMITS.contact} characters`);
    }
    result.contact = m.contact;
  }
  if (m.eligibleVoters !== undefined) {
    const roll = m.eligibleVoters;
    if (typeof roll !== "number" || !Number.isSafeInteger(roll) || roll < 1) {
      throw new InvalidInputError("metadata.eligibleVoters", "expected a whole number of voters, at least 1");
    }
    result.eligibleVoters = roll;
  }
  return result;
}

/**
 * The exact string sent on chain: keys in a fixed order, so the hash is reproducible. The optional
 * keys come last and only when given, so metadata without them encodes as it always did.
 */
export function encodeElectionMetadata(metadata: ElectionMetadata): string {
  const m = validateElectionMetadata(metadata);
  return JSON.stringify({
    title: m.title,
    description: m.description,
    choices: m.choices,
    ...(m.contact !== undefined ? { contact: m.contact } : {}),
    ...(m.eligibleVoters !== undefined ? { eligibleVoters: m.eligibleVoters } : {}),
  });
}

export function metadataHashOf(metadataJson: string): string {
  return keccak256(toUtf8Bytes(metadataJson));
}

export type ParsedMetadata = { ok: true; metadata: ElectionMetadata } | { ok: false; reason: string };

/**
 * Parses metadata read from the chain. Anyone with the manager role could emit anything, so
 * this never throws: malformed metadata is reported, and readers keep the raw string.
 */
export function parseElectionMetadata(json: string, choiceCount?: number): ParsedMetadata {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  try {
    const metadata = validateElectionMetadata(raw);
    if (choiceCount !== undefined && metadata.choices.length !== choiceCount) {
      return { ok: false, reason: `${metadata.choices.length} labels for ${choiceCount} choices` };
    }
    return { ok: true, metadata };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
