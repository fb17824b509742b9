import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseMetadata } from "../../src/model/metadata.js";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import { builtInVersionDir } from "../support/app.js";
import {
  predictionRecord,
  sampleFromBaselines,
  sampleScores,
  writeLog,
} from "../support/prediction-log-files.js";

/** Runs `lead-scoring monitor <args>` as its own process, without the caller's monitoring env. */
function monitorCli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(PREDICTION_LOG_URI|REGISTRY_URI|DRIFT_|MLFLOW_)/.test(key),
    ),
  );
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(PACKAGE_ROOT, "src", "cli", "main.ts"), "monitor", ...args],
    { encoding: "utf8", cwd: PACKAGE_ROOT, env: { ...clean, ...env } },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const WINDOW = ["--since", "2026-11-29T00:00:00Z", "--until", "2026-12-01T00:00:00Z"];
let root: string;
let registry: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "monitor-cli-"));
  registry = path.join(root, "registry");
  await cp(builtInVersionDir(), path.join(registry, "lead-scoring", "1.0.0"), { recursive: true });
});
after(() => rm(root, { recursive: true, force: true }));

/**
 * Two logs of the same 1000 leads and scores sampled from the built-in model's baselines: as
 * sampled (no drift), and all from a "Lead Import" (lead_origin drifts, nothing else).
 */
async function calmAndDriftedLogs(name: string, seed: number) {
  const metadata = parseMetadata(
    await readFile(path.join(builtInVersionDir(), "metadata.json")),
    "metadata.json",
  );
  const instances = sampleFromBaselines(metadata, 1000, seed);
  const scores = sampleScores(metadata, instances.length, seed);
  const logs = {
    calm: path.join(root, `${name}-calm-log`),
    drifted: path.join(root, `${name}-drifted-log`),
  };
  await writeLog(
    logs.calm,
    instances.map((fields, i) =>
      predictionRecord({ lead_id: `C-${i}`, score: scores[i]!, fields }),
    ),
  );
  await writeLog(
    logs.drifted,
    instances.map((fields, i) =>
      predictionRecord({
        lead_id: `D-${i}`,
        score: scores[i]!,
        fields: { ...fields, lead_origin: "Lead Import" },
      }),
    ),
  );
  return logs;
}

describe("lead-scoring monitor", () => {
  it("exits 2 with the reason and the help on a usage error", () => {
    const log = ["--log", path.join(root, "nolog"), "--registry", registry];
    for (const [args, reason] of [
      [[...WINDOW], /--log \(or PREDICTION_LOG_URI\) is required/],
      [[...log, "--since", "yesterday"], /--since must be an RFC 3339 time/],
      [
        [...log, "--since", "2026-12-02T00:00:00Z", "--until", "2026-12-01T00:00:00Z"],
        /the window is empty/,
      ],
      [[...log, "--drift-threshold=-1"], /--drift-threshold must be a number > 0/],
      [[...log, "--drift-thresholds", "city"], /DRIFT_THRESHOLDS must be field=threshold pairs/],
      [[...log, "--min-outcomes", "1.5"], /--min-outcomes must be a number/],
      [[...log, "--lookback", "a month"], /--lookback must be a duration like 24h or 30d/],
      [[...log, "--frobnicate"], /Unknown option '--frobnicate'/],
      [[...log, "extra"], /unexpected argument "extra"/],
    ] as const) {
      const run = monitorCli([...args]);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, reason);
      assert.match(run.stderr, /Usage: lead-scoring monitor/);
    }
  });

  it("exits 0 on an empty window and says it is empty", () => {
    const run = monitorCli([
      "--log",
      path.join(root, "empty-log"),
      "--registry",
      registry,
      ...WINDOW,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /: empty\n/);
    assert.match(run.stdout, /0 predictions, 0 outcomes, 0 joined/);
  });

  it("exits 3 on drift, 0 without, and prints the JSON report with --json (env settings honoured)", async () => {
    const { calm, drifted } = await calmAndDriftedLogs("drift", 5);
    const healthy = monitorCli(["--log", calm, "--registry", registry, ...WINDOW, "--json"]);
    assert.equal(healthy.code, 0, healthy.stderr);
    const report = JSON.parse(healthy.stdout) as {
      status: string;
      versions: { alerts: string[] }[];
    };
    assert.equal(report.status, "healthy");

    const alert = monitorCli(["--registry", registry, ...WINDOW], { PREDICTION_LOG_URI: drifted });
    assert.equal(alert.code, 3, alert.stderr);
    assert.match(alert.stdout, /: alert\n/);
    assert.match(alert.stdout, /ALERT drift: lead_origin l_infinity/);
    // A per-field threshold from the environment, parsed as the service parses it, silences it.
    // The reports beside the versions do not make a version.
    const list = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(PACKAGE_ROOT, "src", "cli", "main.ts"), "registry", "list"],
      { encoding: "utf8", cwd: PACKAGE_ROOT, env: { ...process.env, REGISTRY_URI: registry } },
    );
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(
      list.stdout
        .trim()
        .split("\n")
        .map((line) => line.split(" ")[0]),
      ["1.0.0"],
    );
    const relaxed = monitorCli(["--log", drifted, "--registry", registry, ...WINDOW], {
      DRIFT_THRESHOLDS: "lead_origin=2",
    });
    assert.equal(relaxed.code, 0, relaxed.stdout + relaxed.stderr);
  });

  it("writes a pending retrain request with the reason on an alert, and none when healthy", async () => {
    const own = path.join(root, "request-registry");
    await cp(builtInVersionDir(), path.join(own, "lead-scoring", "1.0.0"), { recursive: true });
    const requests = path.join(own, "lead-scoring", "monitoring", "retrain-requests");
    const { calm, drifted } = await calmAndDriftedLogs("request", 7);
    const healthy = monitorCli(["--log", calm, "--registry", own, ...WINDOW]);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.deepEqual(await readdir(requests).catch(() => []), []);

    const alert = monitorCli(["--log", drifted, "--registry", own, ...WINDOW, "--json"]);
    assert.equal(alert.code, 3, alert.stderr);
    JSON.parse(alert.stdout); // stdout stays the report alone
    const files = await readdir(requests);
    assert.equal(files.length, 1);
    assert.match(alert.stderr, new RegExp(`retrain requested: .*/retrain-requests/${files[0]}`));
    const request = JSON.parse(await readFile(path.join(requests, files[0]!), "utf8")) as {
      status: string;
      model: string;
      reason: {
        report: { json: string; html: string };
        versions: { version: string; alerts: string[]; drift: Record<string, unknown> }[];
      };
    };
    assert.equal(request.status, "pending");
    assert.equal(request.model, "lead-scoring");
    const [version] = request.reason.versions;
    assert.ok(version !== undefined && request.reason.versions.length === 1);
    assert.equal(version.version, "1.0.0");
    assert.deepEqual(Object.keys(version.drift), ["lead_origin"]);
    assert.ok(version.alerts.some((line) => line.startsWith("drift: lead_origin")));
    // The links point at the reports this run wrote.
    await readFile(request.reason.report.json);
    await readFile(request.reason.report.html);
  });

  it("exits 1 with one line when the log cannot be read", () => {
    const run = monitorCli(["--log", "ftp://host/log", "--registry", registry, ...WINDOW]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: CONFIG_INVALID: unsupported artifact location/);
  });

  it("ignores a non-http MLFLOW_TRACKING_URI with a warning", () => {
    const run = monitorCli(
      ["--log", path.join(root, "empty-log"), "--registry", registry, ...WINDOW],
      {
        MLFLOW_TRACKING_URI: "file:///tmp/mlruns",
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /MLFLOW_TRACKING_URI=file:\/\/\/tmp\/mlruns ignored/);
  });
});
