/**
 * A real sealed ballot built by the crypto library, with the randomness of each ciphertext
 * recorded as a voting booth reveals it on an audit (the Benaloh challenge): the audit record the
 * verify page checks (lib/audit-check.ts).
 */
import { nobleOps } from "@veritally/crypto/backend";
import { makeBallotBuilder } from "@veritally/crypto/ballot";
import { encodeScalar, mulBase, type Point } from "@veritally/crypto/group";
import { csprngScalars } from "@veritally/crypto/random";
import { AUDIT_FORMAT } from "../lib/audit-check.js";

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

export interface AuditedBallot {
  encoded: Uint8Array;
  tracker: string;
  record: { format: string; electionId: string; ballot: string; choice: number; randomness: string[] };
}

export function auditedBallot(o: {
  publicKey: Point;
  electionId: string;
  choices: number;
  choice: number;
}): AuditedBallot {
  const drawn: bigint[] = [];
  const builder = makeBallotBuilder(nobleOps, {
    chainId: 31337n,
    registry: new Uint8Array(20).fill(7),
    electionId: Buffer.from(BigInt(o.electionId).toString(16).padStart(64, "0"), "hex"),
    publicKey: o.publicKey,
    choices: o.choices,
  });
  const built = builder.build(o.choice, () => {
    const r = csprngScalars();
    drawn.push(r);
    return r;
  });
  // Each ciphertext's alpha is g^r: its r is among the scalars the builder drew.
  const randomness = built.ballot.ciphertexts.map((ct) => {
    const r = drawn.find((x) => mulBase(x).equals(ct.alpha));
    if (r === undefined) throw new Error("no drawn scalar gives this alpha");
    return hex(encodeScalar(r));
  });
  return {
    encoded: built.encoded,
    tracker: hex(built.tracker),
    record: {
      format: AUDIT_FORMAT,
      electionId: o.electionId,
      ballot: hex(built.encoded),
      choice: o.choice,
      randomness,
    },
  };
}
