import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { Ciphertext } from "../elgamal.js";
import { mulBase } from "../group.js";
import { aggregateBallots, verifyAggregate } from "./aggregate.js";
import { declaredChoices, verifiedCiphertexts } from "./ballot-input.js";
import { generateTrustee, type TrusteePublic, verifyTrusteePublic } from "./ceremony.js";
import { getPassphrase, readJson, readWith, writeJson, writeSecretFile } from "./cli-io.js";
import { csprng, type ElectionContext } from "./context.js";
import { partialDecrypt, verifyDecryptionShare } from "./decryption.js";
import { dlogTable } from "./dlog.js";
import {
  buildElectionKey,
  type ElectionKeyRecord,
  proveShare,
  publicSharesOf,
  verifyElectionKey,
} from "./election-key.js";
import {
  ballotsFromJson,
  complaintFromJson,
  complaintToJson,
  contextFromJson,
  decryptionShareFromJson,
  decryptionShareToJson,
  electionKeyFromJson,
  electionKeyToJson,
  shareProofFromJson,
  shareProofToJson,
  sharesFromJson,
  sharesToJson,
  type TallyInput,
  tallyInputFromJson,
  tallyInputToJson,
  tallyToJson,
  trusteePublicFromJson,
  trusteePublicToJson,
} from "./formats.js";
import { FormatError } from "./json.js";
import { newKey, openSecret, sealSecret } from "./keystore.js";
import { type EncryptedShare, judgeComplaint, makeShares, receiveShares } from "./shares.js";
import type { SigmaProof } from "./sigma.js";
import { computeTally, verifyTally } from "./tally.js";
import { verifyDecryptionShareFile, verifyTallyFile } from "./verify-files.js";

const USAGE = `usage: veritally trustee <command> [options]

Each trustee, on its own machine (the secret file never leaves it):
  init     --index I --trustees N --threshold K --chain-id ID --registry 0x.. --election-id 0x..
           --secret FILE --out PUBLIC.json           create the secret file (0600) and the public record
  shares   --secret FILE --public P.json... --out SHARES.json
                                                     encrypt this trustee's shares for the others
  receive  --secret FILE --public P.json... --shares S.json... --out SHARE-PROOF.json [--complaints DIR]
                                                     check and store the shares sent to this trustee and
                                                     prove it holds its share; a bad share gives a
                                                     complaint file instead (exit 3)
  decrypt  --secret FILE --key KEY.json --input TALLY-INPUT.json [--ballots BALLOTS.json] --out PARTIAL.json
                                                     partial decryption with proofs; with --ballots,
                                                     only after checking the input aggregates them

Anyone (public files only):
  key       --public P.json... --share-proof SP.json... [--complaint C.json... --shares S.json...] --out KEY.json
  aggregate --key KEY.json --ballots BALLOTS.json --out TALLY-INPUT.json
  tally     --key KEY.json --input TALLY-INPUT.json --partial PARTIAL.json... --out TALLY.json   (alias: combine)
  verify    --key KEY.json [--ballots B.json] [--input I.json] [--partial P.json...] [--tally T.json]
            [--complaint C.json... --shares S.json...]

Passphrase: --passphrase-file FILE, or $VERITALLY_TRUSTEE_PASSPHRASE, or asked in the terminal.
Exit status: 0 done, 1 error, 2 usage, 3 verification failed or complaint filed.`;

class UsageError extends Error {}
class VerificationError extends Error {}

const OPTIONS = {
  index: { type: "string" },
  trustees: { type: "string" },
  threshold: { type: "string" },
  "chain-id": { type: "string" },
  registry: { type: "string" },
  "election-id": { type: "string" },
  secret: { type: "string" },
  out: { type: "string" },
  public: { type: "string", multiple: true },
  shares: { type: "string", multiple: true },
  complaint: { type: "string", multiple: true },
  complaints: { type: "string" },
  "share-proof": { type: "string", multiple: true },
  key: { type: "string" },
  input: { type: "string" },
  ballots: { type: "string" },
  partial: { type: "string", multiple: true },
  tally: { type: "string" },
  "passphrase-file": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

const progress = (message: string) => process.stderr.write(`trustee: ${message}\n`);

function need(values: Values, name: keyof typeof OPTIONS & string): string {
  const v = values[name];
  if (typeof v !== "string" || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

function needList(values: Values, name: "public" | "shares" | "partial" | "share-proof"): string[] {
  const v = values[name];
  if (!v || v.length === 0) throw new UsageError(`--${name} is required (repeat it for each file)`);
  return v;
}

function intOption(values: Values, name: "index" | "trustees" | "threshold"): number {
  const s = need(values, name);
  if (!/^[1-9][0-9]{0,2}$/.test(s)) throw new UsageError(`--${name}: must be a positive integer, got "${s}"`);
  return Number(s);
}

function readPublics(
  files: readonly string[],
  ctx?: ElectionContext,
): { context: ElectionContext; publics: TrusteePublic[] } {
  let context = ctx;
  const publics: TrusteePublic[] = [];
  for (const f of files) {
    const r = readWith(f, (v) => trusteePublicFromJson(v, context));
    context = r.context;
    const check = verifyTrusteePublic(r.context, r.trustee);
    if (!check.ok) throw new VerificationError(`${f}: ${check.reason}`);
    if (publics.some((p) => p.index === r.trustee.index))
      throw new UsageError(`${f}: a second public record of trustee ${r.trustee.index}`);
    publics.push(r.trustee);
  }
  if (!context) throw new UsageError("--public: at least one file");
  return { context, publics: publics.sort((a, b) => a.index - b.index) };
}

function requireAll(ctx: ElectionContext, publics: readonly TrusteePublic[]): void {
  for (let i = 1; i <= ctx.trustees; i++) {
    if (!publics.some((p) => p.index === i)) throw new UsageError(`--public: the record of trustee ${i} is missing`);
  }
}

function readShares(files: readonly string[], ctx: ElectionContext): EncryptedShare[] {
  return files.flatMap((f) => readWith(f, (v) => sharesFromJson(v, ctx)).shares);
}

function readKey(path: string): ElectionKeyRecord {
  const record = readWith(path, electionKeyFromJson);
  const check = verifyElectionKey(record);
  if (!check.ok) throw new VerificationError(`${path}: ${check.reason}`);
  return record;
}

function readInput(path: string, record: ElectionKeyRecord): TallyInput {
  const input = readWith(path, (v) => tallyInputFromJson(v, record.context));
  if (!input.jointKey.equals(record.jointKey)) throw new VerificationError(`${path}: jointKey is not the election key`);
  return input;
}

async function unlock(values: Values): Promise<{ path: string; opened: ReturnType<typeof openSecret> }> {
  const path = need(values, "secret");
  const envelope = readJson(path);
  const passphrase = await getPassphrase({ file: values["passphrase-file"], confirm: false });
  progress("deriving the key from the passphrase (scrypt)");
  try {
    return { path, opened: openSecret(envelope, passphrase) };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

const OPTION_OF: Record<string, string> = {
  chainId: "--chain-id",
  registry: "--registry",
  electionId: "--election-id",
  trustees: "--trustees",
  threshold: "--threshold",
};

/** The election context from init's options; a bad value is a usage error naming the option. */
function contextFromOptions(options: Record<string, string | number>): ElectionContext {
  try {
    return contextFromJson(options, "options");
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    const name = e.field.replace(/^options\./, "");
    throw new UsageError(`${OPTION_OF[name] ?? name}: ${e.message.slice(e.field.length + 2)}`);
  }
}

async function init(values: Values): Promise<void> {
  const registry = need(values, "registry");
  const electionId = need(values, "election-id");
  const ctx = contextFromOptions({
    chainId: need(values, "chain-id"),
    registry,
    electionId,
    trustees: intOption(values, "trustees"),
    threshold: intOption(values, "threshold"),
  });
  const index = intOption(values, "index");
  if (index > ctx.trustees) throw new UsageError(`--index: must be in [1, ${ctx.trustees}]`);
  const secretPath = need(values, "secret");
  const out = need(values, "out");
  if (existsSync(secretPath)) throw new Error(`${secretPath}: already exists; a trustee secret is never overwritten`);
  const passphrase = await getPassphrase({ file: values["passphrase-file"], confirm: true });
  progress(`generating trustee ${index} of ${ctx.trustees} (threshold ${ctx.threshold})`);
  const t = generateTrustee(ctx, index, csprng);
  progress("deriving the key from the passphrase (scrypt)");
  writeSecretFile(secretPath, sealSecret({ context: ctx, secret: t.secret }, newKey(passphrase)), true);
  writeJson(out, trusteePublicToJson(ctx, t.public));
  progress(`wrote ${secretPath} (secret, mode 0600) and ${out} (public)`);
}

async function shares(values: Values): Promise<void> {
  const out = need(values, "out");
  const { opened } = await unlock(values);
  const { stored } = opened;
  const { publics } = readPublics(needList(values, "public"), stored.context);
  requireAll(stored.context, publics);
  progress(`encrypting ${stored.context.trustees - 1} shares`);
  const list = makeShares(stored.context, stored.secret, publics, csprng);
  writeJson(out, sharesToJson(stored.context, stored.secret.index, list));
  progress(`wrote ${out}`);
}

async function receive(values: Values): Promise<void> {
  const out = need(values, "out");
  const { path, opened } = await unlock(values);
  const { stored, key } = opened;
  const ctx = stored.context;
  const { publics } = readPublics(needList(values, "public"), ctx);
  requireAll(ctx, publics);
  const list = readShares(needList(values, "shares"), ctx);
  progress(`checking ${ctx.trustees - 1} shares against their senders' commitments`);
  const r = receiveShares(ctx, stored.secret, publics, list, csprng);
  if (r.share === undefined) {
    const dir = values.complaints ?? dirname(path);
    const written = r.complaints.map((c) => {
      const file = join(dir, `complaint-${c.recipient}-against-${c.sender}.json`);
      writeJson(file, complaintToJson(ctx, c));
      return file;
    });
    throw new VerificationError(
      `bad shares, complaints filed (publish them): ${r.reasons.join("; ")}\n${written.map((f) => `  ${f}`).join("\n")}`,
    );
  }
  const index = stored.secret.index;
  const publicShare = publicSharesOf(ctx, publics)[index - 1];
  if (publicShare === undefined || !mulBase(r.share).equals(publicShare))
    throw new VerificationError(`trustee ${index}: the secret share does not match the public share`);
  writeSecretFile(path, sealSecret({ ...stored, share: r.share }, key), false);
  writeJson(out, shareProofToJson(ctx, index, publicShare, proveShare(ctx, index, r.share, publicShare, csprng)));
  progress(
    `all shares valid; stored the secret share of trustee ${index} in ${basename(path)}; wrote ${out} (publish it)`,
  );
}

/** Judges every complaint against the shares files; an upheld one stops the ceremony, naming the sender. */
function judgeComplaints(values: Values, ctx: ElectionContext, publics: readonly TrusteePublic[]): void {
  const files = values.complaint ?? [];
  if (files.length === 0) return;
  const list = readShares(needList(values, "shares"), ctx);
  for (const f of files) {
    const { complaint } = readWith(f, (v) => complaintFromJson(v, ctx));
    const share = list.find((s) => s.sender === complaint.sender && s.recipient === complaint.recipient);
    const sender = publics.find((p) => p.index === complaint.sender);
    const recipient = publics.find((p) => p.index === complaint.recipient);
    if (!share || !sender || !recipient)
      throw new UsageError(`${f}: the share or public records it concerns were not given`);
    const verdict = judgeComplaint(ctx, complaint, share, sender, recipient);
    if (verdict.upheld)
      throw new VerificationError(
        `${f}: complaint upheld: ${verdict.reason}. Trustee ${verdict.sender} sent a bad share; the ceremony must be redone without or with a new trustee ${verdict.sender}.`,
      );
    progress(`${f}: complaint of trustee ${complaint.recipient} refused: ${verdict.reason}`);
  }
}

function key(values: Values): void {
  const out = need(values, "out");
  const { context, publics } = readPublics(needList(values, "public"));
  requireAll(context, publics);
  judgeComplaints(values, context, publics);
  const proofs = new Map<number, SigmaProof>();
  for (const f of needList(values, "share-proof")) {
    const p = readWith(f, (v) => shareProofFromJson(v, context));
    if (proofs.has(p.trustee)) throw new UsageError(`${f}: a second share proof of trustee ${p.trustee}`);
    proofs.set(p.trustee, p.proof);
  }
  const shareProofs = Array.from({ length: context.trustees }, (_, i) => {
    const p = proofs.get(i + 1);
    if (!p) throw new UsageError(`--share-proof: trustee ${i + 1} has not proved it holds its share (run receive)`);
    return p;
  });
  const record = buildElectionKey(context, publics, shareProofs);
  writeJson(out, electionKeyToJson(record));
  progress(`wrote ${out} (joint key of ${context.trustees} trustees, threshold ${context.threshold})`);
}

async function readBallots(path: string, record: ElectionKeyRecord): Promise<Ciphertext[][]> {
  const { ballots } = readWith(path, (v) => ballotsFromJson(v, record.context));
  const first = ballots[0];
  if (first === undefined) throw new UsageError(`${path}: no ballots`);
  const choices = declaredChoices(first);
  progress(`verifying ${ballots.length} ballots of ${choices} choices`);
  const r = await verifiedCiphertexts(record.context, record.jointKey, choices, ballots, (done, total) => {
    if (total > 1000) progress(`verified ${done} of ${total} ballots`);
  });
  if (!r.ok)
    throw new VerificationError(
      `${path}: ${r.failures.length} ballot(s) refused: ${r.failures
        .slice(0, 10)
        .map((f) => `ballots[${f.index}]: ${f.reason}`)
        .join("; ")}`,
    );
  return r.ciphertexts;
}

async function aggregate(values: Values): Promise<void> {
  const out = need(values, "out");
  const record = readKey(need(values, "key"));
  const decoded = await readBallots(need(values, "ballots"), record);
  const choices = decoded[0]?.length ?? 0;
  progress(`aggregating ${decoded.length} ballots of ${choices} choices`);
  const input: TallyInput = {
    context: record.context,
    jointKey: record.jointKey,
    ballotCount: decoded.length,
    aggregate: aggregateBallots(decoded, choices),
  };
  writeJson(out, tallyInputToJson(input));
  progress(`wrote ${out}`);
}

/** The tally input must be the aggregate of exactly these (verified) ballots. */
async function checkAggregateOfBallots(
  ballotsPath: string,
  inputPath: string,
  record: ElectionKeyRecord,
  input: TallyInput,
): Promise<void> {
  const decoded = await readBallots(ballotsPath, record);
  const check = verifyAggregate(decoded, input.aggregate);
  if (!check.ok) throw new VerificationError(`${inputPath}: ${check.reason}`);
  if (decoded.length !== input.ballotCount)
    throw new VerificationError(`${inputPath}: ballotCount is ${input.ballotCount}, the ballots are ${decoded.length}`);
  progress(`${inputPath}: the aggregate of the ${decoded.length} ballots`);
}

async function decrypt(values: Values): Promise<void> {
  const out = need(values, "out");
  const record = readKey(need(values, "key"));
  const inputPath = need(values, "input");
  const input = readInput(inputPath, record);
  // A trustee that decrypts whatever it is handed is a decryption oracle (one ballot's ciphertext would reveal
  // that vote): with --ballots it first checks that the input is the aggregate of the published ballots.
  if (values.ballots) await checkAggregateOfBallots(values.ballots, inputPath, record, input);
  else progress("warning: decrypting without --ballots: make sure the input is the aggregate of the published ballots");
  const { opened } = await unlock(values);
  const { stored } = opened;
  if (stored.share === undefined)
    throw new UsageError(`--secret: trustee ${stored.secret.index} has not received its shares yet (run receive)`);
  progress(`partial decryption of ${input.aggregate.length} choices by trustee ${stored.secret.index}`);
  const share = partialDecrypt(record, stored.secret.index, stored.share, input.aggregate, csprng);
  const check = verifyDecryptionShare(record, input.aggregate, share);
  if (!check.ok) throw new VerificationError(`${check.reason} (is this secret file from this election?)`);
  writeJson(out, decryptionShareToJson(input, share));
  progress(`wrote ${out}`);
}

function tally(values: Values): void {
  const out = need(values, "out");
  const record = readKey(need(values, "key"));
  const input = readInput(need(values, "input"), record);
  const partials = needList(values, "partial").map(
    (f) => readWith(f, (v) => decryptionShareFromJson(v, record.context)).share,
  );
  progress(`building the baby-step table for up to ${input.ballotCount} ballots`);
  const table = dlogTable(input.ballotCount);
  const result = computeTally(record, input.aggregate, input.ballotCount, partials, { table, onProgress: progress });
  const check = verifyTally(record, input.aggregate, input.ballotCount, result);
  if (!check.ok) throw new VerificationError(check.reason);
  writeJson(out, tallyToJson(input, result));
  progress(`counts ${JSON.stringify(result.counts)} from trustees ${result.trustees.join(", ")}; wrote ${out}`);
}

async function verify(values: Values): Promise<void> {
  const keyPath = need(values, "key");
  const record = readKey(keyPath);
  progress(`${keyPath}: election key record verifies`);
  judgeComplaints(values, record.context, record.trustees);
  let input: TallyInput | undefined;
  if (values.input) {
    input = readInput(values.input, record);
    progress(`${values.input}: tally input is well formed`);
  }
  if (values.ballots) {
    if (!input || !values.input) throw new UsageError("--ballots needs --input (the aggregate to check)");
    await checkAggregateOfBallots(values.ballots, values.input, record, input);
  }
  for (const f of values.partial ?? []) {
    if (!input) throw new UsageError("--partial needs --input");
    const check = verifyDecryptionShareFile(record, input, readJson(f));
    if (!check.ok) throw new VerificationError(`${f}: ${check.reason}`);
    progress(`${f}: decryption share verifies`);
  }
  if (values.tally) {
    const check = verifyTallyFile(record, input, readJson(values.tally));
    if (!check.ok) throw new VerificationError(`${values.tally}: ${check.reason}`);
    progress(`${values.tally}: tally verifies`);
  }
  process.stdout.write("verified\n");
}

const COMMANDS: Record<string, (values: Values) => void | Promise<void>> = {
  init,
  shares,
  receive,
  key,
  aggregate,
  decrypt,
  tally,
  combine: tally,
  verify,
};

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument "${positionals[0]}" (options take --name value)`);
    await run(values);
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`trustee ${command}: ${message}\n`);
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e)) {
      process.stderr.write("(./veritally trustee help)\n");
      return 2;
    }
    return e instanceof VerificationError ? 3 : 1;
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  process.exitCode = await main(process.argv.slice(2));
}
