/** Links to a configurable block explorer (EXPLORER_URL); none when it is not set. */
export type ExplorerKind = "tx" | "address" | "block";

export function explorerLink(
  base: string | null | undefined,
  kind: ExplorerKind,
  value: string | number,
): string | null {
  if (!base) return null;
  return `${base}/${kind}/${encodeURIComponent(String(value))}`;
}
