/**
 * What the verify page says when a reference or receipt cannot be read: the reader's words, not
 * the decoder's. The decoder's message (contracts' ref.ts) names the problem; this says what to do.
 */
const NAMES = { ref: "reference", receipt: "receipt" } as const;
const LENGTHS = { ref: 27, receipt: 53 } as const;

export function plainError(field: "ref" | "receipt", message: string): string {
  const name = NAMES[field];
  const length = message.match(/got (\d+)/);
  if (length) {
    return `Your ${name} should have ${LENGTHS[field]} letters and digits (hyphens and spaces do not count); this one has ${length[1]}. Check that none is missing or extra.`;
  }
  const character = message.match(/character (\d+) \('(.)'\)/);
  if (character) {
    return `The ${ordinal(Number(character[1]))} character, “${character[2]}”, cannot be in a ${name}: a ${name} uses the digits 0–9 and the letters A–Z except I, L, O and U.`;
  }
  if (/check character/.test(message)) {
    return `One character of your ${name} is mistyped: its last character, a check, does not fit the others. Compare it character by character with what you were given.`;
  }
  if (/too large/.test(message)) return `This is not a ${name}: its first character is too high. Check what you typed.`;
  if (/hex digits/.test(message)) {
    return `After “0x”, a ${name} in hex has ${field === "ref" ? 32 : 64} digits 0–9 and a–f. Or type it as you were given it, in groups of four.`;
  }
  return `This ${name} cannot be read. Type it as you were given it, in groups of four.`;
}

function ordinal(n: number): string {
  const rest = n % 100;
  if (rest >= 11 && rest <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}
