import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import path from "node:path";
import { stringify } from "csv-stringify/sync";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import { builtInGolden } from "./app.js";

/** The golden instances, each with a lead id `L-<i>`. */
export function goldenLeads(): Record<string, unknown>[] {
  return builtInGolden().rows.map((row, i) => ({ lead_id: `L-${i}`, ...row.instance }));
}

/** Leads as a CSV with one column per field any lead has; a missing or null value is empty. */
export function leadsCsv(leads: readonly Record<string, unknown>[]): string {
  const columns = [...new Set(leads.flatMap((lead) => Object.keys(lead)))];
  const cells = leads.map((lead) => columns.map((column) => lead[column] ?? ""));
  return stringify([columns, ...cells]);
}

export function leadsJsonl(leads: readonly unknown[]): string {
  return leads.map((lead) => `${JSON.stringify(lead)}\n`).join("");
}

/** `count` leads cycling through the golden ones, ids `L-<row>`, streamed to a CSV file. */
export async function writeManyLeadsCsv(file: string, count: number): Promise<void> {
  const golden = goldenLeads();
  const header = leadsCsv(golden).split("\n")[0]!;
  const columns = header.split(",");
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(`${header}\n`);
  for (let start = 0; start < count; start += 10_000) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + 10_000); i++) {
      const lead: Record<string, unknown> = { ...golden[i % golden.length], lead_id: `L-${i}` };
      rows.push(columns.map((column) => lead[column] ?? ""));
    }
    await write(stringify(rows));
  }
  out.end();
  await finished(out);
}

const CLI = ["--import", "tsx", path.join(PACKAGE_ROOT, "src", "cli", "main.ts"), "score"];

/** The caller's environment without the service settings that would change what is scored. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(MODEL_URI|AIP_|LEAD_ID_FIELD|SCORER|MAX_|GCS_API_ENDPOINT)/.test(key),
    ),
  );
  return { ...clean, ...env };
}

/**
 * Runs `lead-scoring score <args>` to its end, without blocking this process's event loop (a
 * test app in this process keeps answering).
 */
export async function scoreCli(args: string[], env: Record<string, string> = {}) {
  const child = startScoreCli(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

/** Starts `lead-scoring score <args>` without waiting for it. */
export function startScoreCli(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [...CLI, ...args], {
    cwd: PACKAGE_ROOT,
    env: cleanEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The JSONL records of a file's text. */
export function records(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
