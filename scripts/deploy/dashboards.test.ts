import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ROWS } from "../dashboards/panels.js";
import { metricNames } from "../dashboards/metric-names.js";
import { DASHBOARDS_DIR, dashboardFiles } from "../dashboards/write-dashboards.js";
import { HELM, ROOT, find, helmTemplate, unavailable, validateObject } from "./manifests.js";

/**
 * The dashboards (scripts/dashboards/ writes helm/lead-scoring/dashboards/): current with their
 * source, the same panels in both flavours, and the Grafana one shipped as the sidecar's ConfigMap.
 */
const read = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(DASHBOARDS_DIR, name), "utf8")) as Record<string, unknown>;

interface GrafanaPanel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
interface Tile {
  widget: {
    title: string;
    xyChart?: { dataSets: { timeSeriesQuery: { prometheusQuery: string } }[] };
  };
}

describe("dashboards", () => {
  it("are the files scripts/dashboards/write-dashboards.ts writes", async () => {
    for (const [name, text] of Object.entries(await dashboardFiles())) {
      assert.equal(
        readFileSync(path.join(DASHBOARDS_DIR, name), "utf8"),
        text,
        `${name} is stale: npx tsx scripts/dashboards/write-dashboards.ts`,
      );
    }
  });

  it("show the same panels and queries in Grafana and in Cloud Monitoring", () => {
    const grafana = (read("grafana.json").panels as GrafanaPanel[]).filter((p) => p.targets);
    const tiles = (read("cloud-monitoring.json").mosaicLayout as { tiles: Tile[] }).tiles.filter(
      (t) => t.widget.xyChart,
    );
    const titles = ROWS.flatMap((row) => row.panels.map((p) => p.title));
    assert.deepEqual(
      grafana.map((p) => p.title),
      titles,
    );
    assert.deepEqual(
      tiles.map((t) => t.widget.title),
      titles,
    );
    grafana.forEach((panel, i) => {
      const cloud = tiles[i]!.widget.xyChart!.dataSets.map(
        (d) => d.timeSeriesQuery.prometheusQuery,
      );
      const local = panel.targets!.map((t) => t.expr);
      assert.deepEqual(
        cloud.map((q) => [...metricNames(q)]),
        local.map((q) => [...metricNames(q)]),
        panel.title,
      );
      for (const q of local) assert.match(q, /namespace="\$namespace"/, panel.title);
      for (const q of cloud) assert.match(q, /namespace="lead-scoring"/, panel.title);
    });
  });

  it("cover what the issue asks for: RED, latency, batches, model, process, shedding, drift, quality", () => {
    const text = JSON.stringify(ROWS);
    for (const metric of [
      "lead_scoring_http_requests_total",
      "lead_scoring_http_request_duration_seconds_bucket",
      "lead_scoring_inference_duration_seconds_bucket",
      "lead_scoring_explain_duration_seconds_bucket",
      "lead_scoring_inference_batch_size_bucket",
      "lead_scoring_model_info",
      "lead_scoring_model_reload_failures_total",
      "nodejs_eventloop_lag_p99_seconds",
      "nodejs_heap_size_used_bytes",
      "process_resident_memory_bytes",
      "lead_scoring_feature_drift",
      "lead_scoring_model_quality",
    ]) {
      assert.ok(text.includes(metric), metric);
    }
  });

  describe("in the chart", { skip: unavailable("helm", HELM) }, () => {
    it("ship the Grafana dashboard as a ConfigMap the sidecar discovers, only when asked", async () => {
      const none = helmTemplate().filter((o) => o.kind === "ConfigMap");
      assert.deepEqual(none, []);
      const objects = helmTemplate({ set: ["dashboards.grafana.enabled=true"] });
      const map = find<{ data: Record<string, string> }>(objects, "ConfigMap");
      await validateObject(map);
      assert.equal(map.metadata.labels?.grafana_dashboard, "1");
      assert.deepEqual(JSON.parse(map.data["lead-scoring.json"]!), read("grafana.json"));
      const custom = helmTemplate({
        set: ["dashboards.grafana.enabled=true", "dashboards.grafana.label=dashboards"],
      });
      assert.equal(find(custom, "ConfigMap").metadata.labels?.dashboards, "1");
    });
  });
});

/** Go, for the Cloud Monitoring API's own Dashboard message (scripts/dashboards/cloud-dashboard-check). */
const GO = spawnSync("go", ["version"]).status === 0 ? "go" : undefined;

describe("the Cloud Monitoring dashboard", { skip: unavailable("go", GO) }, () => {
  const check = (file: string) =>
    spawnSync(GO!, ["run", ".", file], {
      cwd: path.join(ROOT, "scripts", "dashboards", "cloud-dashboard-check"),
      encoding: "utf8",
    });

  it("is a Dashboard the Cloud Monitoring API accepts (its Go message, unknown fields refused)", () => {
    const result = check(path.join(DASHBOARDS_DIR, "cloud-monitoring.json"));
    assert.equal(result.status, 0, result.stderr);
  });

  it("would refuse an unknown field", () => {
    const bad = path.join(mkdtempSync(path.join(tmpdir(), "dashboard-")), "bad.json");
    const text = readFileSync(path.join(DASHBOARDS_DIR, "cloud-monitoring.json"), "utf8");
    writeFileSync(bad, text.replace('"prometheusQuery"', '"promQuery"'));
    const result = check(bad);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, /unknown field "promQuery"/);
  });
});

describe("metricNames", () => {
  it("finds the series a query reads, not its functions, labels, keywords or numbers", () => {
    const expr =
      'histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{route!~"/x|b_total"}[5m])))' +
      ' / on (pod) group_left (version) c_info{x="y"} > 1e3 and time() - d:ratio:rate5m offset 5m';
    assert.deepEqual([...metricNames(expr)].sort(), ["a_bucket", "c_info", "d:ratio:rate5m"]);
  });
});
