/**
 * The credential authority's command line (`./veritally credentials`, docs/credential-spec.md §8):
 * from a voter list, one private code per voter (letters to print), and the public roll (JSON) with
 * its count and Merkle root, for publication on chain. The voter → code mapping is not kept unless
 * asked for.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { CredentialCodeError, generateCode } from "./code.js";
import { type CredentialContext, credentialContext } from "./context.js";
import { inclusionProof } from "./merkle.js";
import { makeRoll, type Roll, rollFromJson, rollToJson } from "./roll.js";
import { loadCredentials } from "./signing.js";
import { parseVoterList, VoterListError } from "./voters.js";

const USAGE = `usage: veritally credentials <command> [options]

The credential authority (on its own machine; the codes never leave it but on the letters):
  generate --voters FILE [--column NAME] --chain-id ID --registry 0x.. --election-id ID
           --letters LETTERS.txt --roll ROLL.json [--keep-mapping MAPPING.json]
                    one private code per voter: the letters to print (one per page) and the public
                    roll (count, Merkle root, credentials ascending). The voter -> code mapping is
                    NOT kept, unless --keep-mapping writes it (mode 0600) for a re-issue procedure.
Anyone:
  roll     --roll ROLL.json              check a roll file; print its count and root
  proof    --roll ROLL.json --credential 0x..   the Merkle inclusion proof of one credential
  public   --code CODE --chain-id ID --registry 0x.. --election-id ID
                    the public credential of a code (a voter checks it is on the roll)

The voter list: UTF-8, one voter per line, the id in the first CSV field (or in column NAME of a
header line with --column). Output files are never overwritten.
Exit status: 0 done, 1 error, 2 usage.`;

class UsageError extends Error {}

const OPTIONS = {
  voters: { type: "string" },
  column: { type: "string" },
  "chain-id": { type: "string" },
  registry: { type: "string" },
  "election-id": { type: "string" },
  letters: { type: "string" },
  roll: { type: "string" },
  "keep-mapping": { type: "string" },
  credential: { type: "string" },
  code: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

const say = (message: string) => process.stderr.write(`credentials: ${message}\n`);
const hex0x = (b: Uint8Array) => `0x${bytesToHex(b)}`;

function need(values: Values, name: keyof typeof OPTIONS & string): string {
  const v = values[name];
  if (typeof v !== "string" || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

function contextOf(values: Values): CredentialContext {
  const fields = {
    chainId: need(values, "chain-id"),
    registry: need(values, "registry"),
    electionId: need(values, "election-id"),
  };
  try {
    return credentialContext(fields);
  } catch (e) {
    const message = (e as Error).message;
    const option = { chainId: "--chain-id", registry: "--registry", electionId: "--election-id" };
    const field = message.split(":")[0] as keyof typeof option;
    throw new UsageError(`${option[field] ?? field}${message.slice(field.length)}`);
  }
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${option} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Creates a file that must not exist yet (a roll or letters are never silently replaced). */
function create(path: string, text: string, option: string, mode = 0o644): void {
  try {
    writeFileSync(path, text, { flag: "wx", mode });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new Error(`${option} ${path}: already exists; remove it first or choose another name`);
    throw new Error(`${option} ${path}: cannot write (${code ?? String(e)})`);
  }
}

function readRoll(path: string): Roll {
  const text = readText(path, "--roll");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`--roll ${path}: not JSON (${(e as Error).message})`);
  }
  try {
    return rollFromJson(json);
  } catch (e) {
    throw new Error(`--roll ${path}: ${(e as Error).message}`);
  }
}

function letter(ctx: CredentialContext, voter: string, code: string, n: number, total: number): string {
  return [
    `Voting credential ${n} of ${total}`,
    "",
    `Voter:        ${voter}`,
    `Election:     ${BigInt(hex0x(ctx.electionId)).toString()} (registry ${hex0x(ctx.registry)}, chain ${ctx.chainId})`,
    "",
    "Your private voting code:",
    "",
    `    ${code}`,
    "",
    "Type this code when you vote; it signs your ballot. It is yours alone: whoever holds it can vote",
    "in your place, and no one will ever ask you for it. You may vote again with it: only your last",
    "ballot counts. Letters O, I and L are read as 0, 1 and 1; the last symbol catches typing errors.",
    "",
  ].join("\n");
}

async function generate(values: Values): Promise<void> {
  const ctx = contextOf(values);
  const votersPath = need(values, "voters");
  const lettersPath = need(values, "letters");
  const rollPath = need(values, "roll");
  const mappingPath = values["keep-mapping"];
  // Refuse before any work, so that a name already taken never leaves half the outputs written.
  for (const [option, path] of [
    ["--letters", lettersPath],
    ["--roll", rollPath],
    ["--keep-mapping", mappingPath],
  ] as const) {
    if (path !== undefined && existsSync(path))
      throw new Error(`${option} ${path}: already exists; remove it first or choose another name`);
  }
  let voters: string[];
  try {
    voters = parseVoterList(readText(votersPath, "--voters"), values.column);
  } catch (e) {
    if (e instanceof VoterListError) throw new Error(`--voters ${votersPath}: ${e.message}`);
    throw e;
  }
  say(`${voters.length} voters read from ${votersPath}`);
  const creds = await loadCredentials();
  const codes: string[] = [];
  const publics: Uint8Array[] = [];
  const step = Math.max(1000, Math.ceil(voters.length / 20));
  const started = Date.now();
  for (let i = 0; i < voters.length; i++) {
    const code = generateCode();
    codes.push(code);
    publics.push(creds.publicCredential(ctx, code));
    if ((i + 1) % step === 0 && i + 1 < voters.length) {
      const rate = ((i + 1) / Math.max(1, Date.now() - started)) * 1000;
      say(`${i + 1} of ${voters.length} credentials (${Math.round(rate)}/s)`);
    }
  }
  // Codes are drawn independently: two equal ones (probability about n^2 / 2^96) would be caught here.
  const roll = makeRoll(ctx, publics);
  const letters = voters.map((v, i) => letter(ctx, v, codes[i] as string, i + 1, voters.length)).join("\f\n");
  create(rollPath, `${JSON.stringify(rollToJson(roll), null, 2)}\n`, "--roll");
  create(lettersPath, `${letters}\n`, "--letters", 0o600);
  if (mappingPath) {
    const entries = voters.map((voter, i) => ({
      voter,
      code: codes[i] as string,
      credential: hex0x(publics[i] as Uint8Array),
    }));
    const mapping = { format: "veritally/credential-mapping/v1", context: rollToJson(roll).context, entries };
    create(mappingPath, `${JSON.stringify(mapping, null, 2)}\n`, "--keep-mapping", 0o600);
    say(
      `KEPT the voter -> code mapping in ${mappingPath} (mode 0600), as asked: whoever reads it can vote for ` +
        "every voter. Keep it offline, apart from the operator, and destroy it when re-issue is no longer possible.",
    );
  } else {
    say(
      "the voter -> code mapping is NOT kept: only the letters link a voter to a code. Print and send them, then " +
        "destroy the letters file (--keep-mapping FILE would keep the mapping, for a re-issue procedure).",
    );
  }
  say(`wrote ${voters.length} letters to ${lettersPath} (mode 0600, one per page)`);
  say(`wrote the roll to ${rollPath}: ${roll.credentials.length} credentials, root ${hex0x(roll.root)}`);
  process.stdout.write(`${JSON.stringify({ count: roll.credentials.length, root: hex0x(roll.root) })}\n`);
}

function rollCommand(values: Values): void {
  const roll = readRoll(need(values, "roll"));
  process.stdout.write(`${JSON.stringify({ count: roll.credentials.length, root: hex0x(roll.root) })}\n`);
}

function proof(values: Values): void {
  const roll = readRoll(need(values, "roll"));
  const text = need(values, "credential");
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new UsageError("--credential: must be 0x and 64 hex digits");
  const credential = hexToBytes(text.slice(2).toLowerCase());
  const index = roll.credentials.findIndex((c) => c.every((b, i) => b === credential[i]));
  if (index === -1) throw new Error(`--credential ${text.toLowerCase()}: not on the roll`);
  const path = inclusionProof(roll.credentials, index).map(hex0x);
  process.stdout.write(
    `${JSON.stringify({ credential: text.toLowerCase(), index, count: roll.credentials.length, root: hex0x(roll.root), proof: path }, null, 2)}\n`,
  );
}

async function publicCommand(values: Values): Promise<void> {
  const ctx = contextOf(values);
  const code = need(values, "code");
  const creds = await loadCredentials();
  try {
    process.stdout.write(`${hex0x(creds.publicCredential(ctx, code))}\n`);
  } catch (e) {
    if (e instanceof CredentialCodeError)
      throw new UsageError(`--code: ${e.message.replace(/^credential code: /, "")}`);
    throw e;
  }
}

const COMMANDS: Record<string, (values: Values) => void | Promise<void>> = {
  generate,
  roll: rollCommand,
  proof,
  public: publicCommand,
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
    process.stderr.write(`credentials ${command}: ${e instanceof Error ? e.message : String(e)}\n`);
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e)) {
      process.stderr.write("(./veritally credentials help)\n");
      return 2;
    }
    return 1;
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  process.exitCode = await main(process.argv.slice(2));
}
