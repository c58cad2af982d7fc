/**
 * Webhook URLs: http(s) only, no credentials, and (unless WEBHOOK_ALLOW_PRIVATE) no loopback,
 * private or link-local address, checked both when registered and, after DNS, when delivering,
 * so the relayer cannot be made to post into its own network.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { InvalidInputError } from "@veritally/contracts";

export function isPrivateAddress(ip: string): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split(".").map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  const x = ip.toLowerCase();
  return x === "::" || x === "::1" || x.startsWith("fc") || x.startsWith("fd") || x.startsWith("fe80");
}

export function checkWebhookUrl(text: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError("url", "not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new InvalidInputError("url", "must be http or https");
  if (url.username || url.password) throw new InvalidInputError("url", "must not carry credentials");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (
    !allowPrivate &&
    (host === "localhost" || host.endsWith(".localhost") || (isIP(host) && isPrivateAddress(host)))
  ) {
    throw new InvalidInputError("url", "loopback and private addresses are not allowed");
  }
  return url;
}

/** At delivery: the resolved addresses must be public too (unless allowed). */
export async function assertDeliverable(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
  if (addresses.some((a) => isPrivateAddress(a.address))) {
    throw new InvalidInputError("url", `${host} resolves to a private address`);
  }
}
