import { bytesToHex } from "@noble/hashes/utils.js";
import { encodePoint, G, IDENTITY, mulBase, type Point } from "../group.js";

/**
 * Baby-step giant-step for g^t with t in [0, bound]: a table of g^0..g^{m-1} (m = ⌈√(bound+1)⌉), built once and
 * reused for every choice; each lookup takes at most m giant steps of one addition and one encoding.
 */
export interface DlogTable {
  readonly bound: number;
  solve(target: Point): number | undefined;
}

const hex = (p: Point): string => bytesToHex(encodePoint(p));

export function dlogTable(bound: number, onProgress?: (done: number, total: number) => void): DlogTable {
  if (!Number.isSafeInteger(bound) || bound < 0) throw new RangeError("bound: must be a non-negative safe integer");
  const m = Math.max(1, Math.ceil(Math.sqrt(bound + 1)));
  const baby = new Map<string, number>();
  let p = IDENTITY;
  for (let i = 0; i < m; i++) {
    baby.set(hex(p), i);
    p = p.add(G);
    if (onProgress && i % 4096 === 0) onProgress(i, m);
  }
  const giant = mulBase(BigInt(m));
  return {
    bound,
    solve(target: Point): number | undefined {
      let y = target;
      for (let q = 0; q * m <= bound; q++) {
        const i = baby.get(hex(y));
        if (i !== undefined) {
          const t = q * m + i;
          return t <= bound ? t : undefined;
        }
        y = y.subtract(giant);
      }
      return undefined;
    },
  };
}
