/**
 * The roll's Merkle tree (docs/credential-spec.md §6): the tree hash of RFC 9162 §2.1 (Certificate
 * Transparency) over the public credentials in the order they were published, with Keccak-256 (the
 * EVM's hash, so that the contract computes the same root as it goes). Leaves and nodes are hashed
 * with different prefixes (0x00, 0x01), so a node can never pass for a leaf; an odd subtree is
 * promoted, never paired with a copy of itself.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";

/** The root of an empty roll: no hash, 32 zero bytes (what the contract reports before any credential). */
export const EMPTY_ROOT = new Uint8Array(32);

function need32(bytes: Uint8Array, field: string): void {
  if (bytes.length !== 32) throw new RangeError(`${field}: must be 32 bytes, got ${bytes.length}`);
}

/** keccak256(0x00 ‖ credential). */
export function leafHash(credential: Uint8Array): Uint8Array {
  need32(credential, "credential");
  const input = new Uint8Array(33);
  input.set(credential, 1);
  return keccak_256(input);
}

/** keccak256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(65);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 33);
  return keccak_256(input);
}

/** The largest power of two below n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function treeHash(leaves: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 1) return leaves[from] as Uint8Array;
  const k = split(n);
  return nodeHash(treeHash(leaves, from, from + k), treeHash(leaves, from + k, to));
}

/** The root of a roll, credentials in publication order. */
export function merkleRoot(credentials: readonly Uint8Array[]): Uint8Array {
  if (credentials.length === 0) return EMPTY_ROOT.slice();
  return treeHash(credentials.map(leafHash), 0, credentials.length);
}

function path(leaves: readonly Uint8Array[], index: number, from: number, to: number): Uint8Array[] {
  const n = to - from;
  if (n === 1) return [];
  const k = split(n);
  if (index < from + k) return [...path(leaves, index, from, from + k), treeHash(leaves, from + k, to)];
  return [...path(leaves, index, from + k, to), treeHash(leaves, from, from + k)];
}

/** The inclusion proof (RFC 9162 §2.1.3.1) of the credential at `index`: sibling hashes, leaf to root. */
export function inclusionProof(credentials: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= credentials.length)
    throw new RangeError(`index: must be an integer in [0, ${credentials.length})`);
  return path(credentials.map(leafHash), index, 0, credentials.length);
}

/** Verifies an inclusion proof against a root and the roll's size (RFC 9162 §2.1.3.2). */
export function verifyInclusion(
  root: Uint8Array,
  size: number,
  index: number,
  credential: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(index) || index < 0 || index >= size) return false;
  if (root.length !== 32 || credential.length !== 32 || proof.some((p) => p.length !== 32)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(credential);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.every((b, i) => b === root[i]);
}

/**
 * The roll's tree built as credentials arrive, as the contract builds it: the roots of the perfect
 * subtrees (one per set bit of the size), so that an observer replaying the roll's events gets each
 * batch's root in O(log n) per credential.
 */
export class RollTree {
  #size = 0;
  readonly #peaks: Uint8Array[] = [];

  get size(): number {
    return this.#size;
  }

  append(credential: Uint8Array): void {
    let node = leafHash(credential);
    let height = 0;
    let s = ++this.#size;
    while (s % 2 === 0) {
      node = nodeHash(this.#peaks[height] as Uint8Array, node);
      s /= 2;
      height++;
    }
    this.#peaks[height] = node;
  }

  root(): Uint8Array {
    if (this.#size === 0) return EMPTY_ROOT.slice();
    let acc: Uint8Array | undefined;
    for (let h = 0, s = this.#size; s > 0; h++, s = Math.floor(s / 2)) {
      if (s % 2 === 0) continue;
      const peak = this.#peaks[h] as Uint8Array;
      acc = acc === undefined ? peak : nodeHash(peak, acc);
    }
    return acc as Uint8Array;
  }
}
