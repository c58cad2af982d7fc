/**
 * Keeps a page's figures live in the browser: every few seconds it asks for the page again (an
 * ETag revalidation, so an unchanged indexed height costs a 304) and, when the indexed height
 * moved, swaps each `[data-live]` section for its new version in place; the ages of the figures
 * (`[data-age-of]`) tick every second. A section holding the keyboard focus is left alone.
 */
import { formatAgo } from "./format.js";

export const LIVE_EVENT = "veritally:updated";

export function keepLive(options: { intervalMs?: number } = {}): void {
  const root = document.getElementById("live");
  if (!root) return;
  const serverNow = Date.parse(root.dataset.serverNow ?? "");
  // The server's clock, as seen from here: ages are counted on it, not on this device's.
  const offset = Number.isNaN(serverNow) ? 0 : Date.now() - serverNow;

  function tick() {
    for (const el of document.querySelectorAll<HTMLElement>("[data-age-of]")) {
      const at = Date.parse(el.dataset.ageOf ?? "");
      if (!Number.isNaN(at)) el.textContent = formatAgo((Date.now() - offset - at) / 1000);
    }
  }

  async function refresh() {
    const current = document.getElementById("live");
    if (!current) return;
    const response = await fetch(location.pathname + location.search, { cache: "no-cache" });
    if (!response.ok) return;
    const next = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("live");
    if (!next || next.dataset.height === current.dataset.height) return;
    current.dataset.height = next.dataset.height ?? "";
    for (const section of next.querySelectorAll<HTMLElement>("[data-live][id]")) {
      const old = document.getElementById(section.id);
      if (!old || old.contains(document.activeElement)) continue;
      old.replaceWith(document.importNode(section, true));
    }
    tick();
    document.dispatchEvent(new CustomEvent(LIVE_EVENT));
  }

  tick();
  setInterval(tick, 1000);
  setInterval(() => {
    if (document.visibilityState === "visible") refresh().catch(() => {});
  }, options.intervalMs ?? 5000);
}
