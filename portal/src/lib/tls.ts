/**
 * Whether a request reached us over TLS: the portal itself serves plain HTTP on loopback, so TLS
 * means a reverse proxy in front that says so in X-Forwarded-Proto, believed only when
 * PORTAL_TRUST_PROXY=true (anyone can send the header to a portal reachable directly).
 */
export function overTls(headers: { get(name: string): string | null }, trustProxy: boolean): boolean {
  return trustProxy && headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}
