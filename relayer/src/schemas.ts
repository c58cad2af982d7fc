/** Request and response schemas (TypeBox): validation, types and the OpenAPI document at once. */
import { Type } from "typebox";

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: "ErrorBody", description: "Every error answer has this shape." },
);
export const errorRef = Type.Ref("ErrorBody");
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorRef]));

const HUMAN_FORM = `Human form: the bytes read as one big-endian number, written in Crockford base32 (alphabet 0123456789ABCDEFGHJKMNPQRSTVWXYZ; when reading, case is ignored and I, L read as 1, O as 0), most significant digit first, padded with leading zeros to {digits} digits, then one check character by the Luhn mod 32 algorithm (not Crockford's mod 37 check): every second digit from the right doubled, a doubled value d becomes floor(d / 32) + d mod 32, the check is (32 - sum mod 32) mod 32. Written in groups of four joined by hyphens; hyphens and spaces are ignored when reading.`;

export const DecimalId = Type.String({
  pattern: "^[0-9]{1,78}$",
  description: "uint256 as a decimal string",
  examples: ["1"],
});

export const Authorization = Type.String({ description: "Bearer <API key>" });

export const VoteParams = Type.Object({ electionId: DecimalId }, { additionalProperties: false });
export const VoteHeaders = Type.Object({
  authorization: Type.Optional(Authorization),
  "idempotency-key": Type.Optional(
    Type.String({
      pattern: "^[\\x21-\\x7e]{1,255}$",
      description: "Makes a retried request return the first answer; the same key with another body is refused (422).",
    }),
  ),
});
export const VoteBody = Type.Object(
  {
    voterId: Type.String({
      minLength: 1,
      maxLength: 256,
      description: "The voter's identifier at the front end; stored only as HMAC-SHA256 with a server secret.",
    }),
    choice: Type.Integer({ minimum: 0, maximum: 65535, description: "Index of the chosen option, from 0." }),
  },
  { additionalProperties: false },
);
export const VoteAccepted = Type.Object({
  electionId: Type.String(),
  ref: Type.String({
    description: `The vote's public 16-byte reference, in 27 characters. ${HUMAN_FORM.replace("{digits}", "26")}`,
  }),
  refHex: Type.String({ description: "The ref as on chain (bytes16)." }),
  receipt: Type.String({
    description:
      "The voter's 32-byte receipt secret, in 53 characters. Shown once; the relayer keeps it only as long as a retry with the same Idempotency-Key is answered (IDEMPOTENCY_TTL_HOURS, 24 h by default). " +
      HUMAN_FORM.replace("{digits}", "52"),
  }),
  voteHash: Type.String({
    description:
      "0x + 64 hex digits: keccak256 of the ABI encoding (abi.encode) of (uint256 chainId, address registry, uint256 electionId, bytes16 ref, uint8 choice, bytes32 receiptSecret). On chain in VoteRecorded; with the receipt, anyone recomputes it.",
  }),
  status: Type.Literal("queued"),
  statusUrl: Type.String({ description: "Relative to the server (servers[0]): where this vote's status is read." }),
});

export const RefParams = Type.Object(
  { ref: Type.String({ minLength: 1, maxLength: 80, description: "Human form or 0x hex" }) },
  { additionalProperties: false },
);
export const VoteStatusBody = Type.Object({
  ref: Type.String(),
  electionId: Type.String(),
  status: Type.Union([
    Type.Literal("queued"),
    Type.Literal("batched"),
    Type.Literal("submitted"),
    Type.Literal("included"),
    Type.Literal("confirmed"),
    Type.Literal("failed"),
  ]),
  reason: Type.Union([Type.String(), Type.Null()], { description: "Why the vote failed." }),
  waiting: Type.Union([Type.String(), Type.Null()], {
    description:
      "Why a queued or batched vote is not sent yet (fee_cap, submission_paused, contract_paused, ...), or fee_cap " +
      "for a submitted vote whose stuck transaction cannot be replaced under the fee cap.",
  }),
  seq: Type.Union([Type.String(), Type.Null()]),
  txHash: Type.Union([Type.String(), Type.Null()]),
  blockNumber: Type.Union([Type.Integer(), Type.Null()]),
  confirmations: Type.Integer(),
  acceptedAt: Type.String(),
});

export const ElectionIdParams = Type.Object({ electionId: DecimalId }, { additionalProperties: false });
export const CreateElectionBody = Type.Object(
  {
    electionId: Type.Optional({
      ...DecimalId,
      description: "uint256 as a decimal string; left out, the relayer picks a random one below 2^48.",
    }),
    metadata: Type.Object(
      {
        title: Type.String(),
        description: Type.Optional(Type.String()),
        choices: Type.Array(Type.String()),
        contact: Type.Optional(
          Type.String({
            maxLength: 200,
            description: "Whom voters and observers report a problem to: a name, an e-mail address or an https: site.",
          }),
        ),
        eligibleVoters: Type.Optional(
          Type.Integer({ minimum: 1, description: "People on the electoral roll; the portal gives turnout with it." }),
        ),
      },
      { additionalProperties: false, description: "Emitted on chain in ElectionCreated; the portal labels with it." },
    ),
    opensAt: Type.String({ format: "date-time" }),
    closesAt: Type.String({ format: "date-time" }),
    recordUntil: Type.String({
      format: "date-time",
      description: "Recording stays open until then, so votes accepted just before closesAt reach the chain.",
    }),
  },
  { additionalProperties: false },
);
export const ElectionBody = Type.Object({
  electionId: Type.String(),
  source: Type.Union([Type.Literal("relayer"), Type.Literal("chain")], {
    description: "relayer: created through this API; chain: created by someone else on the contract and read from it.",
  }),
  state: Type.Union([Type.Literal("creating"), Type.Literal("active"), Type.Literal("failed")], {
    description:
      "creating: its transaction is not in a block yet; active: on chain; failed: its creation reverted (failureReason).",
  }),
  intake: Type.Object({ open: Type.Boolean(), code: Type.Union([Type.String(), Type.Null()]) }),
  choiceCount: Type.Integer(),
  opensAt: Type.String(),
  closesAt: Type.String(),
  recordUntil: Type.String(),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  chainClosed: Type.Boolean(),
  intakePaused: Type.Boolean(),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Union(
    [
      Type.Object({
        title: Type.String(),
        description: Type.Optional(Type.String()),
        choices: Type.Array(Type.String()),
        contact: Type.Optional(Type.String()),
        eligibleVoters: Type.Optional(Type.Integer()),
      }),
      Type.Null(),
    ],
    { description: "As emitted on chain in ElectionCreated; null when the chain's metadata could not be read." },
  ),
  statusUrl: Type.String({ description: "Relative to the server (servers[0]): this election's state." }),
});

export const ClientIdParams = Type.Object(
  { clientId: Type.String({ pattern: "^[0-9]{1,18}$" }) },
  { additionalProperties: false },
);
export const KeyParams = Type.Object(
  { clientId: Type.String({ pattern: "^[0-9]{1,18}$" }), keyId: Type.String({ pattern: "^[0-9a-f]{16}$" }) },
  { additionalProperties: false },
);
export const CreateClientBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: "^[\\x20-\\x7e]+$" }),
    rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    voterIdCase: Type.Optional(
      Type.Union([Type.Literal("fold"), Type.Literal("exact")], {
        description: "How this client's voter ids compare: fold (case-insensitive) or exact; default VOTER_ID_CASE.",
      }),
    ),
  },
  { additionalProperties: false },
);
export const ApiKeyBody = Type.Object({
  keyId: Type.String(),
  key: Type.String({ description: "Shown once; only its hash is stored." }),
  createdAt: Type.String(),
});
export const ClientBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  rateLimitPerMinute: Type.Union([Type.Integer(), Type.Null()]),
  voterIdCase: Type.Union([Type.String(), Type.Null()]),
  webhookUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  keys: Type.Array(
    Type.Object({
      keyId: Type.String(),
      createdAt: Type.String(),
      revokedAt: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export const WebhookBody = Type.Object(
  { url: Type.String({ minLength: 8, maxLength: 2000 }) },
  { additionalProperties: false },
);
export const WebhookSet = Type.Object({
  url: Type.String(),
  secret: Type.String({ description: "HMAC-SHA256 key of the Veritally-Signature header; shown once." }),
});
export const ControlBody = Type.Object({
  intakePaused: Type.Boolean(),
  submissionPaused: Type.Boolean(),
  updatedAt: Type.String(),
});
