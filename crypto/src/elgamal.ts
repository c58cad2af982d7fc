import { G, mul, mulBase, type Point, randomScalar } from "./group.js";

/** Exponential ElGamal ciphertext: alpha = g^r, beta = g^m · h^r. */
export interface Ciphertext {
  readonly alpha: Point;
  readonly beta: Point;
}

export interface KeyPair {
  readonly secret: bigint;
  readonly publicKey: Point;
}

export function generateKeyPair(): KeyPair {
  const secret = randomScalar();
  return { secret, publicKey: mulBase(secret) };
}

export function encrypt(publicKey: Point, m: bigint, r: bigint = randomScalar()): Ciphertext {
  return { alpha: mulBase(r), beta: mulBase(m).add(mul(publicKey, r)) };
}

export function add(a: Ciphertext, b: Ciphertext): Ciphertext {
  return { alpha: a.alpha.add(b.alpha), beta: a.beta.add(b.beta) };
}

export function sum(cs: readonly Ciphertext[]): Ciphertext {
  let acc: Ciphertext = { alpha: G.subtract(G), beta: G.subtract(G) };
  for (const c of cs) acc = add(acc, c);
  return acc;
}

/** g^m = beta / alpha^x; the caller finds m by search (the message space is small). */
export function decryptToPoint(secret: bigint, c: Ciphertext): Point {
  return c.beta.subtract(mul(c.alpha, secret));
}
