/**
 * The credential test vectors (crypto/vectors/credentials.json, docs/credential-spec.md §10): codes with
 * their seeds and keys, a signed ballot with its exact message, malformed and forged ballots with the
 * reason they are refused, and Merkle trees with their proofs. Everything is deterministic: the codes
 * come from a fixed byte sequence, Ed25519 signing is deterministic, the ballot's nonces are seeded.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { makeBallotBuilder } from "../ballot.js";
import { mulBase } from "../group.js";
import { seededScalars } from "../random.js";
import { loadSodiumOps } from "../sodium.js";
import { formatCode, parseCode } from "./code.js";
import { type CredentialContext, contextBytes, credentialContext } from "./context.js";
import { inclusionProof, leafHash, merkleRoot } from "./merkle.js";
import { ballotMessage, type Credentials, deriveSeed, loadCredentials } from "./signing.js";

const hex = (b: Uint8Array): string => bytesToHex(b);
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export const VECTOR_CONTEXT = { chainId: "31337", registry: `0x${"a0".repeat(20)}`, electionId: "1" } as const;

export interface CredentialVectors {
  format: "veritally/credential-vectors/v1";
  context: { chainId: string; registry: string; electionId: string; contextBytes: string };
  codes: { code: string; typed: string[]; canonical: string; seed: string; publicKey: string }[];
  badCodes: { text: string; reason: string }[];
  badPublicKeys: { publicKey: string; why: string }[];
  ballot: {
    choices: number;
    plain: string;
    body: string;
    message: string;
    publicKey: string;
    signature: string;
    credentialed: string;
    length: number;
    tracker: string;
  };
  badBallots: { name: string; ballot: string; context?: { chainId: string }; reason: string }[];
  merkle: { credentials: string[]; leaves: string[]; roots: string[]; proofs: { index: number; proof: string[] }[] }[];
}

function codeAt(i: number): string {
  return formatCode(Array.from({ length: 19 }, (_, j) => (i * 7 + j * 13 + ((i * j) % 5)) % 32));
}

function typings(code: string): string[] {
  const compact = code.replace(/-/g, "");
  return [compact.toLowerCase(), code.replace(/-/g, " "), code.replace(/0/g, "O").replace(/1/g, "I")];
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] = (out[at] ?? 0) ^ 1;
  return out;
}

function withAt(bytes: Uint8Array, at: number, part: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out.set(part, at);
  return out;
}

function scalarBytes(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((x >> BigInt(8 * i)) & 255n);
  return out;
}

const h2b = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

/** Encodings every verifier must refuse as a public credential (or a signature's R). */
export function badPoints(validKey: Uint8Array): { publicKey: string; why: string }[] {
  const order2 = ed25519.Point.fromBytes(h2b(`ec${"ff".repeat(30)}7f`));
  const mixed = ed25519.Point.fromBytes(validKey).add(order2).toBytes();
  return [
    { publicKey: `01${"00".repeat(31)}`, why: "the identity (small order)" },
    { publicKey: `ec${"ff".repeat(30)}7f`, why: "the point of order 2 (small order)" },
    { publicKey: "00".repeat(32), why: "y = 0, a point of order 4 (small order)" },
    { publicKey: `ed${"ff".repeat(30)}7f`, why: "y = p: a non-canonical encoding (of y = 0)" },
    { publicKey: `ee${"ff".repeat(30)}7f`, why: "y = p + 1: a non-canonical encoding (of the identity)" },
    { publicKey: hex(mixed), why: "a valid key plus the point of order 2: not of prime order" },
    { publicKey: `02${"00".repeat(31)}`, why: "y = 2: not on the curve" },
  ];
}

export async function makeCredentialVectors(): Promise<CredentialVectors> {
  const creds: Credentials = await loadCredentials();
  const ctx: CredentialContext = credentialContext(VECTOR_CONTEXT);
  const codes = [0, 1, 2].map((i) => {
    const code = codeAt(i);
    return {
      code,
      typed: typings(code),
      canonical: parseCode(code),
      seed: hex(deriveSeed(ctx, code)),
      publicKey: hex(creds.publicCredential(ctx, code)),
    };
  });
  const first = codes[0]?.code as string;
  const compact = first.replace(/-/g, "");
  const badCodes = [
    { text: `${compact.slice(0, 3)}${compact[3] === "Z" ? "Y" : "Z"}${compact.slice(4)}`, reason: "" },
    { text: `${compact[1]}${compact[0]}${compact.slice(2)}`, reason: "" },
    { text: compact.slice(0, 19), reason: "" },
    { text: `${compact}0`, reason: "" },
    { text: `U${compact.slice(1)}`, reason: "" },
    { text: `${compact.slice(0, 10)}_${compact.slice(11)}`, reason: "" },
  ]
    .filter((c) => c.text !== compact)
    .map((c) => {
      try {
        parseCode(c.text);
        return { ...c, reason: "ACCEPTED" };
      } catch (e) {
        return { ...c, reason: (e as Error).message };
      }
    });

  const election = { ...ctx, publicKey: mulBase(1234567n), choices: 4 };
  const plain = makeBallotBuilder(await loadSodiumOps(), election).build(1, seededScalars(Uint8Array.of(17))).encoded;
  const keys = creds.keyPair(ctx, first);
  const signed = creds.signBallot(ctx, keys, plain);
  const split = creds.splitBallot(signed, 4);
  const sAt = 707 + 32 + 32;
  const s = split.signature.subarray(32).reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
  const other = creds.keyPair(ctx, codes[1]?.code as string);
  const badKeys = badPoints(keys.publicKey);
  const candidates: { name: string; ballot: Uint8Array; context?: { chainId: string } }[] = [
    { name: "signature S + L (same value mod L)", ballot: withAt(signed, sAt, scalarBytes(s + L)) },
    { name: "a flipped bit in S", ballot: flip(signed, sAt) },
    { name: "a flipped bit in R", ballot: flip(signed, 739) },
    { name: "R the identity", ballot: withAt(signed, 739, h2b(`01${"00".repeat(31)}`)) },
    { name: "another voter's credential", ballot: withAt(signed, 707, other.publicKey) },
    ...badKeys.map((k) => ({ name: `credential: ${k.why}`, ballot: withAt(signed, 707, h2b(k.publicKey)) })),
    { name: "a changed ciphertext byte", ballot: flip(signed, 40) },
    { name: "flag 0 with the 96 bytes", ballot: withAt(signed, 706, Uint8Array.of(0)) },
    { name: "flag 2", ballot: withAt(signed, 706, Uint8Array.of(2)) },
    { name: "the plain ballot (no credential)", ballot: plain },
    { name: "one byte short", ballot: signed.subarray(0, signed.length - 1) },
    { name: "one byte more", ballot: Uint8Array.from([...signed, 0]) },
    { name: "n = 3 for a 4-choice election", ballot: withAt(signed, 1, Uint8Array.of(3)) },
    { name: "the same ballot in another chain", ballot: signed, context: { chainId: "1" } },
  ];
  const badBallots = candidates.map((c) => {
    const c2 = c.context ? credentialContext({ ...VECTOR_CONTEXT, chainId: c.context.chainId }) : ctx;
    const r = creds.verifyBallot(c2, c.ballot, 4);
    return { ...c, ballot: hex(c.ballot), reason: r.ok ? "ACCEPTED" : r.reason };
  });

  const rolls = [
    [1, 2, 3, 4, 5].map((i) => new Uint8Array(32).fill(i)),
    codes.map((c) => h2b(c.publicKey)).sort((a, b) => (hex(a) < hex(b) ? -1 : 1)),
    Array.from({ length: 7 }, (_, i) => sha256(Uint8Array.of(i))),
  ];
  const merkle = rolls.map((roll) => ({
    credentials: roll.map(hex),
    leaves: roll.map((c) => hex(leafHash(c))),
    roots: roll.map((_, n) => hex(merkleRoot(roll.slice(0, n + 1)))),
    proofs: roll.map((_, index) => ({ index, proof: inclusionProof(roll, index).map(hex) })),
  }));

  return {
    format: "veritally/credential-vectors/v1",
    context: { ...VECTOR_CONTEXT, contextBytes: hex(contextBytes(ctx)) },
    codes,
    badCodes,
    badPublicKeys: badKeys,
    ballot: {
      choices: 4,
      plain: hex(plain),
      body: hex(split.body),
      message: hex(ballotMessage(ctx, split.body)),
      publicKey: hex(keys.publicKey),
      signature: hex(split.signature),
      credentialed: hex(signed),
      length: signed.length,
      tracker: hex(sha256(signed)),
    },
    badBallots,
    merkle,
  };
}
