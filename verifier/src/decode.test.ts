/** The ballot log's direct decoding agrees with the ABI decoder, and leaves anything unusual to it. */
import { randomBytes } from "node:crypto";
import voteRegistryAbi from "@veritally/contracts/abi/VoteRegistry.json" with { type: "json" };
import { Interface } from "ethers";
import { describe, expect, test } from "vitest";
import { decodeBallotData } from "./verify.js";

const iface = new Interface(voteRegistryAbi);
const event = iface.getEvent("BallotRecorded");
const encode = (seq: bigint, ballot: Uint8Array) => {
  if (!event) throw new Error("no BallotRecorded in the ABI");
  return iface.encodeEventLog(event, [1n, seq, ballot]).data;
};

describe("decodeBallotData", () => {
  test.each([0, 1, 31, 32, 33, 387, 707])("a %i-byte ballot reads as the ABI decoder reads it", (length) => {
    const ballot = Uint8Array.from(randomBytes(length));
    const seq = 2n ** 64n - 1n - BigInt(length);
    expect(decodeBallotData(encode(seq, ballot))).toEqual({ seq, ballot });
  });

  test("a wrong offset, a cut or padded body, dirty padding or a seq above 2^64 go to the ABI decoder", () => {
    const data = encode(5n, Uint8Array.from(randomBytes(707)));
    const words = (d: string) => d.slice(2).match(/.{64}/g) ?? [];
    const join = (w: string[]) => `0x${w.join("")}`;
    const w = words(data);
    expect(decodeBallotData(join([w[0] ?? "", "0".repeat(62) + "60", ...w.slice(2)]))).toBeNull();
    expect(decodeBallotData(data.slice(0, -64))).toBeNull();
    expect(decodeBallotData(`${data}${"0".repeat(64)}`)).toBeNull();
    expect(decodeBallotData(`${data.slice(0, -1)}1`)).toBeNull();
    expect(decodeBallotData(join([`1${"0".repeat(63)}`, ...w.slice(1)]))).toBeNull();
    expect(decodeBallotData(`${data.slice(0, 200)}zz${data.slice(202)}`)).toBeNull();
  });
});
