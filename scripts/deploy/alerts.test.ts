import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { HELM, PROMTOOL, ROOT, renderedRuleGroups, unavailable } from "./manifests.js";

/**
 * The chart's alert rules (templates/_rules.tpl), rendered with the chart's default values:
 * `promtool check rules` on them, `promtool test rules` with alerts/alerts.test.yaml (each alert
 * fires and resolves on synthetic series), and what every alert must carry to be acted on: a
 * severity, a summary, a description and a runbook section that exists.
 */
const skip = unavailable("helm", HELM) ?? unavailable("promtool", PROMTOOL);
const UNIT_TESTS = path.join(ROOT, "scripts", "deploy", "alerts", "alerts.test.yaml");
const RUNBOOKS = path.join(ROOT, "docs", "runbooks.md");
const SEVERITIES = ["critical", "warning"];

function promtool(args: string[], cwd: string): void {
  const result = spawnSync(PROMTOOL!, args, { cwd, encoding: "utf8" });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, `promtool ${args.join(" ")}\n${result.stdout}${result.stderr}`);
}

/** GitHub's anchors of the markdown headings: lower case, spaces to dashes, punctuation gone. */
function anchors(markdown: string): Set<string> {
  const headings = markdown.match(/^#{1,6} .+$/gm) ?? [];
  return new Set(
    headings.map((heading) =>
      heading
        .replace(/^#+ /, "")
        .toLowerCase()
        .replace(/[^\w\- ]/g, "")
        .replace(/ /g, "-"),
    ),
  );
}

function valuesFile(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "values-")), "values.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("alert rules", { skip }, () => {
  const groups = skip ? [] : renderedRuleGroups();
  const alerts = groups.flatMap((group) => group.rules).filter((rule) => rule.alert);

  it("pass promtool check rules", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rules-"));
    writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups }));
    promtool(["check", "rules", "rules.yaml"], dir);
  });

  it("fire and resolve as promtool test rules expects (alerts/alerts.test.yaml)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rules-"));
    writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups }));
    copyFileSync(UNIT_TESTS, path.join(dir, "alerts.test.yaml"));
    promtool(["test", "rules", "alerts.test.yaml"], dir);
  });

  it("each have a unit test where they fire and one where they do not", () => {
    const tests = parse(readFileSync(UNIT_TESTS, "utf8")) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((test) => test.alert_rule_test);
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert}: no case where it fires`,
      );
      assert.ok(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert}: no case where it stays quiet`,
      );
    }
  });

  it("each carry a severity, a summary, a description and a runbook section that exists", () => {
    const sections = anchors(readFileSync(RUNBOOKS, "utf8"));
    for (const rule of alerts) {
      const where = rule.alert!;
      assert.ok(SEVERITIES.includes(rule.labels?.severity ?? ""), `${where}: severity`);
      assert.ok(rule.annotations?.summary, `${where}: summary`);
      assert.ok(rule.annotations?.description, `${where}: description`);
      const url = new URL(rule.annotations?.runbook_url ?? "");
      assert.match(url.pathname, /\/docs\/runbooks\.md$/, where);
      assert.equal(url.hash, `#${where.toLowerCase()}`, where);
      assert.ok(sections.has(url.hash.slice(1)), `${where}: no section ${url.hash} in runbooks.md`);
    }
  });

  it("stay within what GMP's namespaced Rules accept", () => {
    // GMP's operator scopes every selector with namespace="<the Rules' namespace>" and adds the
    // project_id, location, cluster and namespace labels to every result: a different namespace
    // matcher or one of those labels set by a rule makes it refuse the whole Rules object.
    for (const rule of groups.flatMap((group) => group.rules)) {
      const where = rule.alert ?? rule.record;
      for (const [, op, value] of rule.expr.matchAll(/\bnamespace\s*(=~|!=|!~|=)\s*"([^"]*)"/g)) {
        assert.equal(`${op}${value}`, "=lead-scoring", `${where}: namespace${op}"${value}"`);
      }
      for (const label of ["project_id", "location", "cluster", "namespace"]) {
        assert.equal(rule.labels?.[label], undefined, `${where} sets ${label}`);
      }
    }
  });

  it("take the SLOs and the runbook address from the values", () => {
    const changed = renderedRuleGroups(
      [],
      [
        valuesFile(
          "alerts:\n  runbookBaseUrl: https://runbooks.example/lead-scoring.md\n" +
            "  slo:\n    availability: { objective: 0.995 }\n" +
            "    latency: { objective: 0.99, thresholdSeconds: 0.5 }\n",
        ),
      ],
    ).flatMap((group) => group.rules);
    const text = JSON.stringify(changed);
    assert.match(text, /14\.4 \* \(1 - 0\.995\)/);
    assert.match(text, /le=\\"0\.5\\"/);
    assert.doesNotMatch(text, /le=\\"0\.25\\"/);
    for (const rule of changed.filter((r) => r.alert)) {
      assert.match(
        rule.annotations?.runbook_url ?? "",
        /^https:\/\/runbooks\.example\/lead-scoring\.md#/,
      );
    }
  });

  it("refuse a latency threshold that is not a bucket bound of the histogram", () => {
    assert.throws(
      () =>
        renderedRuleGroups(
          [],
          [
            valuesFile(
              "alerts:\n  slo:\n    latency: { objective: 0.99, thresholdSeconds: 0.3 }\n",
            ),
          ],
        ),
      /must be a bucket bound of lead_scoring_http_request_duration_seconds/,
    );
  });
});

interface AlertmanagerConfig {
  route: { receiver: string; routes: { matchers: string[]; receiver: string }[] };
  receivers: { name: string; pagerduty_configs?: Record<string, unknown>[] }[];
}

describe("the Alertmanager example of docs/deploy.md", () => {
  const markdown = readFileSync(path.join(ROOT, "docs", "deploy.md"), "utf8");
  const block = /```yaml\n# alertmanager\.yaml\n([\s\S]*?)```/.exec(markdown)?.[1];

  it("pages on critical and tickets on warning through PagerDuty, keys read from files", () => {
    assert.ok(block, "no alertmanager.yaml block in docs/deploy.md");
    const config = parse(block) as AlertmanagerConfig;
    const receiverOf = (severity: string): string | undefined =>
      config.route.routes.find((r) => r.matchers.includes(`severity="${severity}"`))?.receiver;
    for (const severity of SEVERITIES) {
      const name = receiverOf(severity);
      const pagerDuty = config.receivers.find((r) => r.name === name)?.pagerduty_configs ?? [];
      assert.equal(pagerDuty.length, 1, `${severity} → ${name}`);
      assert.equal(pagerDuty[0]!.severity, severity);
      assert.match(String(pagerDuty[0]!.routing_key_file), /^\/etc\/alertmanager\/secrets\//);
      assert.equal(pagerDuty[0]!.routing_key, undefined, "no key inline");
    }
    assert.notEqual(receiverOf("critical"), receiverOf("warning"));
  });
});
