/**
 * Webhook URLs: http(s) only, no credentials, and (unless WEBHOOK_ALLOW_PRIVATE, off by default)
 * never an address inside the relayer's own network: loopback, private (RFC 1918, CGNAT),
 * link-local (169.254.0.0/16, where cloud metadata lives), unique-local IPv6, multicast,
 * broadcast, unspecified and reserved ranges.
 *
 * Every spelling counts: the URL parser turns decimal, octal and hex IPv4 (2130706433,
 * 0177.0.0.1, 0x7f.1) into dotted form; IPv4-mapped and IPv4-compatible IPv6 ([::ffff:7f00:1],
 * [::127.0.0.1]) are judged as the IPv4 address they carry; a trailing dot is dropped. Names are
 * resolved when registered (refused if they resolve to such an address) and again at delivery,
 * where the connection uses a `lookup` that refuses such addresses, so the address checked is
 * the address connected to (a DNS answer that changes between check and delivery is caught).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { InvalidInputError } from "@veritally/contracts";
import ipaddr from "ipaddr.js";

/** The IPv4 address an IPv6 address carries when it is IPv4-mapped or IPv4-compatible (::a.b.c.d). */
function embeddedV4(v6: ipaddr.IPv6): ipaddr.IPv4 | null {
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  const p = v6.parts;
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || (p[7] ?? 0) > 1)) {
    const [hi = 0, lo = 0] = [p[6], p[7]];
    return new ipaddr.IPv4([(hi >> 8) & 255, hi & 255, (lo >> 8) & 255, lo & 255]);
  }
  return null;
}

/** True for every address a webhook must not reach; unparseable text counts as private. */
export function isPrivateAddress(ip: string): boolean {
  const text = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!ipaddr.isValid(text)) return true;
  let address = ipaddr.parse(text);
  if (address.kind() === "ipv6") address = embeddedV4(address as ipaddr.IPv6) ?? address;
  // ipaddr names the special ranges (loopback, private, linkLocal, uniqueLocal, multicast,
  // unspecified, broadcast, carrierGradeNat, reserved, 6to4, teredo, ...): only "unicast" is public.
  return address.range() !== "unicast";
}

export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

const LOCAL_NAME = /(^|\.)(localhost|localdomain|local|internal|home\.arpa)$/i;

export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").replace(/\.+$/, "");
}

/** Syntax and the address spellings; names are checked by `checkWebhookTarget`. */
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
  const host = hostOf(url);
  if (host === "") throw new InvalidInputError("url", "has no host");
  if (!allowPrivate && (LOCAL_NAME.test(host) || (isIP(host) !== 0 && isPrivateAddress(host)))) {
    throw new InvalidInputError("url", "loopback, private and link-local addresses are not allowed");
  }
  return url;
}

/**
 * At registration: also resolves a name and refuses it when any answer is private. A name that
 * does not resolve now is accepted (delivery checks again and fails until it does).
 */
export async function checkWebhookTarget(text: string, allowPrivate: boolean, resolve = systemResolver): Promise<URL> {
  const url = checkWebhookUrl(text, allowPrivate);
  const host = hostOf(url);
  if (allowPrivate || isIP(host) !== 0) return url;
  let addresses: LookupAddress[] = [];
  try {
    addresses = await resolve(host);
  } catch {
    return url;
  }
  if (addresses.some((a) => isPrivateAddress(a.address))) {
    throw new InvalidInputError("url", `${host} resolves to a loopback, private or link-local address`);
  }
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request/net.connect that resolves once and hands the socket only addresses
 * that passed the check, so the checked address is the one connected to.
 */
export function guardedLookup(allowPrivate: boolean, resolve = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname)
      .then((all) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = all.filter((a) => family === 0 || a.family === family);
        if (addresses.length === 0) throw Object.assign(new Error(`${hostname}: no address`), { code: "ENOTFOUND" });
        if (!allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) {
          throw Object.assign(new Error(`${hostname} resolves to a loopback, private or link-local address`), {
            code: "EPRIVATE",
          });
        }
        if (options.all) callback(null, addresses);
        else {
          const first = addresses[0] as LookupAddress;
          callback(null, first.address, first.family);
        }
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, []));
  };
}

/**
 * POSTs a webhook body and answers the status. The URL is checked again (an IP literal never
 * goes through `lookup`), names are resolved by `guardedLookup`, redirects are not followed.
 */
export async function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean; resolve?: Resolver },
): Promise<number> {
  const checked = checkWebhookUrl(url.toString(), options.allowPrivate);
  const request = checked.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      checked,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowPrivate, options.resolve) as never,
        timeout: options.timeoutMs,
        agent: false,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
