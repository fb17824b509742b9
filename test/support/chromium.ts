import { existsSync } from "node:fs";
import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";

/**
 * Debian's chromium, driven by playwright-core (playwright's own browser download cannot work
 * here). Without it a browser suite skips visibly; in CI (CI=true) it must run (.ci/run installs
 * the package).
 */
export const CHROMIUM = "/usr/bin/chromium";

/** Why a browser suite skips, or undefined when chromium is there; throws when CI=true. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} not found (apt-get install chromium)`;
  if (process.env.CI === "true") throw new Error(`${reason}; it is required when CI=true`);
  return reason;
}

/** A page server on 127.0.0.1: its origin is the browser's for every script it serves. */
export async function pageServer(
  handler: RequestListener,
): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Collects what a page logs as an error, and its uncaught exceptions, into `errors`. */
export function collectConsoleErrors(page: Page, errors: string[]): void {
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
}
