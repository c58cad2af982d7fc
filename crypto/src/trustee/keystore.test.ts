import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateTrustee } from "./ceremony.js";
import { readJson, writeSecretFile } from "./cli-io.js";
import { csprng } from "./context.js";
import { newKey, openSecret, sealSecret, WrongPassphraseError } from "./keystore.js";
import { testContext } from "./testing.js";

const ctx = testContext(3, 2);
const { secret } = generateTrustee(ctx, 2, csprng);
// The smallest cost the reader accepts, to keep the test quick; the CLI uses DEFAULT_KDF.
const key = newKey("passphrase one", { logN: 14, r: 8, p: 1 });

describe("keystore", () => {
  it("round-trips the secret and the received share; the file holds no secret in clear", () => {
    const sealed = sealSecret({ context: ctx, secret, share: 12345n }, key);
    const text = JSON.stringify(sealed);
    for (const c of secret.coefficients) expect(text).not.toContain(c.toString(16));
    const { stored } = openSecret(sealed, "passphrase one");
    expect(stored.secret).toEqual(secret);
    expect(stored.share).toBe(12345n);
    expect(openSecret(sealSecret({ context: ctx, secret }, key), "passphrase one").stored.share).toBeUndefined();
  });

  it("a wrong passphrase or an altered envelope is a clear error", () => {
    const sealed = sealSecret({ context: ctx, secret }, key);
    expect(() => openSecret(sealed, "passphrase two")).toThrow(WrongPassphraseError);
    expect(() => openSecret(sealed, "passphrase two")).toThrow(/wrong passphrase/);
    // The index and the context are authenticated: moving the file to another trustee's slot is refused.
    expect(() => openSecret({ ...sealed, index: 3 }, "passphrase one")).toThrow(WrongPassphraseError);
    expect(() => openSecret({ ...sealed, kdf: { ...(sealed.kdf as object), logN: 9 } }, "passphrase one")).toThrow(
      /\$\.kdf\.logN: must be an integer in \[14, 22\]/,
    );
    expect(() => openSecret({ ...sealed, extra: 1 }, "passphrase one")).toThrow(/\$\.extra: unknown field/);
  });

  it("is written with mode 0600 and never overwritten", () => {
    const dir = mkdtempSync(join(tmpdir(), "veritally-keystore-"));
    const path = join(dir, "secret.json");
    const sealed = sealSecret({ context: ctx, secret }, key);
    writeSecretFile(path, sealed, true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => writeSecretFile(path, sealed, true)).toThrow(/already exists/);
    writeSecretFile(path, sealSecret({ context: ctx, secret, share: 7n }, key), false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(openSecret(readJson(path), "passphrase one").stored.share).toBe(7n);
    expect(readFileSync(path, "utf8")).toMatch(/"format": "veritally\/trustee-secret\/v1"/);
  });
});
