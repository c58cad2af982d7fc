/**
 * The URL with its password masked, for logs and error messages. One rule for every service: a
 * connection string that cannot be parsed is not echoed at all, since it may hold a password in
 * a place a parser would not find.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
