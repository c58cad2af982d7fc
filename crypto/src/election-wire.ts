/** An ElectionSpec as plain data (for worker messages and files): byte fields in hex, the key encoded. */

import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import type { ElectionSpec } from "./ballot.js";
import { decodePoint, encodePoint } from "./group.js";

export interface ElectionWire {
  readonly chainId: string;
  readonly registry: string;
  readonly electionId: string;
  readonly publicKey: string;
  readonly choices: number;
}

export const toHex = (b: Uint8Array): string => bytesToHex(b);

export function fromHex(hex: string, field: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new RangeError(`${field}: not lower-case hex of whole bytes`);
  return hexToBytes(hex);
}

export function electionToWire(e: ElectionSpec): ElectionWire {
  return {
    chainId: e.chainId.toString(),
    registry: toHex(e.registry),
    electionId: toHex(e.electionId),
    publicKey: toHex(encodePoint(e.publicKey)),
    choices: e.choices,
  };
}

export function electionFromWire(w: ElectionWire): ElectionSpec {
  return {
    chainId: BigInt(w.chainId),
    registry: fromHex(w.registry, "registry"),
    electionId: fromHex(w.electionId, "electionId"),
    publicKey: decodePoint(fromHex(w.publicKey, "publicKey"), "publicKey"),
    choices: w.choices,
  };
}
