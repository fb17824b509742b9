import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { cloudMonitoringDashboard } from "./cloud-monitoring.js";
import { grafanaDashboard } from "./grafana.js";

/**
 * Writes the chart's dashboards from panels.ts (`npx tsx scripts/dashboards/write-dashboards.ts`);
 * the deploy checks fail when the committed files differ from what this writes.
 */
export const DASHBOARDS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "helm",
  "lead-scoring",
  "dashboards",
);

/** The files' text, formatted as the repository's prettier check wants it. */
export async function dashboardFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const [name, dashboard] of Object.entries({
    "grafana.json": grafanaDashboard(),
    "cloud-monitoring.json": cloudMonitoringDashboard(),
  })) {
    const filepath = path.join(DASHBOARDS_DIR, name);
    const options = (await resolveConfig(filepath)) ?? {};
    files[name] = await format(JSON.stringify(dashboard), { ...options, filepath });
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, text] of Object.entries(await dashboardFiles())) {
    writeFileSync(path.join(DASHBOARDS_DIR, name), text);
    console.log(`wrote ${path.join(DASHBOARDS_DIR, name)}`);
  }
}
