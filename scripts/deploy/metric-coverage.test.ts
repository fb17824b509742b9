import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { exitOf, freePort, startServer, waitFor } from "../../test/support/server-process.js";
import { allQueries } from "../dashboards/panels.js";
import { family, metricNames } from "../dashboards/metric-names.js";
import { CHART, HELM, renderedRuleGroups, unavailable } from "./manifests.js";

/**
 * Every metric a dashboard panel or an alert rule reads must be one the service exports: the
 * names are parsed out of the queries and compared with a real scrape of /metrics of the
 * service started as in production (src/server.ts, monitoring on), after a prediction and an
 * explanation so that the per-request series exist.
 */

/** Series that the scraper makes, not the service. */
const SCRAPE_SERIES = new Set(["up"]);

const INSTANCE = {
  lead_origin: "API",
  lead_source: "Google",
  total_visits: 3,
  page_views_per_visit: 2,
};

interface Scrape {
  families: Set<string>;
  histograms: Set<string>;
  text: string;
}

function parseScrape(text: string): Scrape {
  const families = new Set<string>();
  const histograms = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    families.add(name!);
    if (type === "histogram") histograms.add(name!);
  }
  return { families, histograms, text };
}

const skip = unavailable("helm", HELM);

describe("metrics used by the dashboards and the alert rules", { skip }, () => {
  let scrape: Scrape;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const { child, output } = startServer({
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      MONITORING_ENABLED: "true",
    });
    stop = async () => {
      child.kill("SIGKILL");
      await exitOf(child);
    };
    await waitFor(() => output().includes("model ready"), "model ready");
    const base = `http://127.0.0.1:${port}`;
    for (const route of ["/predict", "/explain"]) {
      const response = await fetch(`${base}${route}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [INSTANCE, INSTANCE] }),
      });
      assert.equal(response.status, 200, `${route}: ${await response.text()}`);
    }
    scrape = parseScrape(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
  });

  after(async () => stop?.());

  function missing(queries: string[]): string[] {
    const used = new Set(queries.flatMap((q) => [...metricNames(q)]));
    return [...used]
      .filter((name) => !name.includes(":")) // recording rules: checked below
      .map((name) => family(name, scrape.histograms))
      .filter((name) => !scrape.families.has(name) && !SCRAPE_SERIES.has(name))
      .sort();
  }

  it("exist in a real scrape for every dashboard query", () => {
    assert.deepEqual(missing(allQueries('namespace="lead-scoring"')), []);
  });

  it("exist in a real scrape for every alert and recording rule", () => {
    const rules = renderedRuleGroups().flatMap((group) => group.rules);
    assert.deepEqual(missing(rules.map((rule) => rule.expr)), []);
  });

  it("read only recording rules that the chart records", () => {
    const recorded = new Set(
      renderedRuleGroups()
        .flatMap((group) => group.rules)
        .map((rule) => rule.record),
    );
    const queries = [
      ...allQueries('namespace="lead-scoring"'),
      ...renderedRuleGroups()
        .flatMap((group) => group.rules)
        .map((rule) => rule.expr),
    ];
    const used = [...new Set(queries.flatMap((q) => [...metricNames(q)]))].filter((n) =>
      n.includes(":"),
    );
    assert.ok(used.length > 0);
    for (const name of used) assert.ok(recorded.has(name), `${name} is not recorded`);
  });

  it("offer the chart's latency thresholds as the histogram's bucket bounds", () => {
    const bounds = new Set(
      [
        ...scrape.text.matchAll(
          /^lead_scoring_http_request_duration_seconds_bucket\{.*le="([^"]+)"/gm,
        ),
      ]
        .map((match) => match[1]!)
        .filter((le) => le !== "+Inf"),
    );
    const template = readFileSync(path.join(CHART, "templates", "_rules.tpl"), "utf8");
    const listed = /define "lead-scoring.latencyBuckets" -}}\s*([^{]+?)\s*{{-/.exec(template)?.[1];
    assert.ok(listed, "no latencyBuckets in _rules.tpl");
    assert.deepEqual(listed.split(" ").sort(), [...bounds].sort());
  });
});
