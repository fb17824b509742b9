import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import type { Golden } from "../../src/model/golden.js";
import { buildTestApp, type TestApp } from "../support/app.js";
import { calibratedCopy } from "../support/calibrated-version.js";
import { goldenLeads, leadsCsv, leadsJsonl, records, scoreCli } from "../support/batch-files.js";

let root: string;
let testApp: TestApp;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "score-cli-"));
  testApp = await buildTestApp();
});
after(async () => {
  await testApp.app.close();
  await rm(root, { recursive: true, force: true });
});

/** Writes `text` under the test's folder; returns the path. */
async function file(name: string, text: string): Promise<string> {
  const target = path.join(root, name);
  await writeFile(target, text);
  return target;
}

async function post(url: string, instances: unknown[]) {
  const response = await testApp.app.inject({ method: "POST", url, payload: { instances } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Record<string, unknown[]>>();
}

describe("lead-scoring score", () => {
  it("scores the golden rows exactly as POST /predict does, from CSV and from JSONL", async () => {
    const leads = goldenLeads();
    const { predictions } = await post("/predict", leads);
    for (const [name, text] of [
      ["golden.csv", leadsCsv(leads)],
      // As a spreadsheet on Windows exports it: a byte order mark and CRLF line ends.
      ["golden-excel.csv", `\uFEFF${leadsCsv(leads).replaceAll("\n", "\r\n")}`],
      ["golden.jsonl", leadsJsonl(leads)],
    ] as const) {
      const output = path.join(root, `${name}.scores.jsonl`);
      const run = await scoreCli(["--input", await file(name, text), "--output", output]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(`${leads.length} rows read = ${leads.length} scored \\+ 0 errors`),
      );
      const scored = records(await readFile(output, "utf8"));
      assert.deepEqual(
        scored,
        leads.map((lead, i) => ({ row: i + 1, lead_id: lead.lead_id, score: predictions![i] })),
        name,
      );
      assert.equal(await readFile(path.join(root, `${name}.scores.errors.jsonl`), "utf8"), "");
    }
  });

  it("scores a calibrated version's calibrated probabilities (its golden predictions)", async () => {
    const dir = await calibratedCopy(path.join(root, "calibrated"));
    const golden = JSON.parse(await readFile(path.join(dir, "golden.json"), "utf8")) as Golden;
    const leads = golden.rows.map((row, i) => ({ lead_id: `L-${i}`, ...row.instance }));
    const output = path.join(root, "calibrated.scores.jsonl");
    const input = await file("calibrated.jsonl", leadsJsonl(leads));
    const run = await scoreCli(["--input", input, "--output", output], { MODEL_URI: dir });
    assert.equal(run.code, 0, run.stderr);
    const scored = records(await readFile(output, "utf8"));
    golden.rows.forEach((row, i) => {
      const score = scored[i]!.score as number;
      assert.ok(Math.abs(score - row.prediction) <= golden.tolerance, `row ${i}: ${score}`);
    });
  });

  it("--explain 3 gives the three largest attributions POST /explain gives; CSV output", async () => {
    const leads = goldenLeads().slice(0, 20);
    const { explanations } = await post("/explain", leads);
    const output = path.join(root, "explained.csv");
    const input = await file("explained.jsonl", leadsJsonl(leads));
    const run = await scoreCli(["--input", input, "--output", output, "--explain", "3"]);
    assert.equal(run.code, 0, run.stderr);
    const rows = parse<Record<string, string>>(await readFile(output, "utf8"), { columns: true });
    assert.equal(rows.length, leads.length);
    rows.forEach((row, i) => {
      const [attribution] = (
        explanations![i] as { attributions: { featureAttributions: Record<string, number> }[] }
      ).attributions;
      const top = Object.entries(attribution!.featureAttributions)
        .sort(([, a], [, b]) => Math.abs(b) - Math.abs(a))
        .slice(0, 3);
      assert.equal(row.lead_id, leads[i]!.lead_id);
      top.forEach(([field, value], rank) => {
        assert.equal(row[`top${rank + 1}_field`], field, `row ${i + 1}, rank ${rank + 1}`);
        assert.equal(Number(row[`top${rank + 1}_attribution`]), value);
      });
    });
  });

  it("sends each bad row to the errors file with its row and reason; the counts add up", async () => {
    const [a, b, c, d] = goldenLeads();
    const lines = [
      JSON.stringify(a), // 1 scored
      "{not json", // 2
      JSON.stringify({ ...b, total_visits: "five" }), // 3
      "", // 4
      JSON.stringify([1, 2]), // 5
      JSON.stringify({ ...c, favourite_colour: "blue" }), // 6
      JSON.stringify({ ...c, lead_id: 7 }), // 7
      JSON.stringify({ ...d, country: "x".repeat(300) }), // 8
      JSON.stringify(d), // 9 scored
    ];
    const input = await file("mixed.jsonl", `${lines.join("\n")}\n`);
    const output = path.join(root, "mixed.jsonl.out.jsonl");
    const errorsFile = path.join(root, "mixed-errors.jsonl");
    // Chunks of 3: the chunk of rows 4-6 holds no valid row, the data plane's all-invalid case.
    const args = [
      "--input",
      input,
      "--output",
      output,
      "--errors",
      errorsFile,
      "--chunk-size",
      "3",
      "--json",
    ];
    const run = await scoreCli(args);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.deepEqual(
      [summary.read, summary.scored, summary.errorRows],
      [lines.length, 2, lines.length - 2],
    );
    assert.deepEqual(
      records(await readFile(output, "utf8")).map((row) => row.row),
      [1, 9],
    );
    const errors = records(await readFile(errorsFile, "utf8"));
    assert.deepEqual(
      errors.map((row) => row.row),
      [2, 3, 4, 5, 6, 7, 8],
    );
    const reasons = errors.map((row) => String(row.error));
    for (const [i, reason] of [
      /^not valid JSON/,
      /^field "total_visits": expected a number or null, got string "five"/,
      /^empty line/,
      /^expected a JSON object \(an instance\), got an array/,
      /favourite_colour/,
      /^lead_id: expected a string id/,
      /country/,
    ].entries()) {
      assert.match(reasons[i]!, reason);
    }
    assert.equal(errors[1]!.lead_id, "L-1");
    assert.ok(errors.every((row) => row.code === "INVALID_INPUT"));
  });

  it("a CSV row with the wrong number of values or a non-number is that row's error", async () => {
    const leads = goldenLeads().slice(0, 4);
    leads[2] = { ...leads[2], total_visits: "lots" };
    const [header, ...rows] = leadsCsv(leads).trimEnd().split("\n");
    rows[1] = "L-1,only,three";
    const input = await file("bad.csv", `${[header, ...rows].join("\n")}\n`);
    const output = path.join(root, "bad.scores.jsonl");
    const run = await scoreCli(["--input", input, "--output", output]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /4 rows read = 2 scored \+ 2 errors/);
    const errors = records(await readFile(path.join(root, "bad.scores.errors.jsonl"), "utf8"));
    assert.deepEqual(
      errors.map((row) => [row.row, row.lead_id]),
      [
        [2, null],
        [3, "L-2"],
      ],
    );
    assert.match(String(errors[0]!.error), /has 3 values; the header has \d+ columns/);
    assert.match(String(errors[1]!.error), /expected a number or null, got string "lots"/);
  });

  it("shards partition the rows: their union is the unsharded run; a complete shard is skipped", async () => {
    const leads = goldenLeads();
    const input = await file("sharded.jsonl", leadsJsonl(leads));
    const whole = path.join(root, "whole.jsonl");
    const unsharded = await scoreCli(["--input", input, "--output", whole]);
    assert.equal(unsharded.code, 0, unsharded.stderr);
    const output = path.join(root, "shards", "scores.jsonl");
    const union = [];
    for (let shard = 0; shard < 3; shard++) {
      const run = await scoreCli(["--input", input, "--output", output, "--shard", `${shard}/3`]);
      assert.equal(run.code, 0, run.stderr);
      const text = await readFile(
        path.join(root, "shards", `scores-0000${shard}-of-00003.jsonl`),
        "utf8",
      );
      union.push(...records(text));
    }
    union.sort((x, y) => Number(x.row) - Number(y.row));
    assert.deepEqual(union, records(await readFile(whole, "utf8")));
    const again = await scoreCli(["--input", input, "--output", output, "--shard", "1/3"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /shard 1\/3: skipped/);
    assert.deepEqual((await readdir(path.join(root, "shards"))).sort(), [
      "scores-00000-of-00003.jsonl",
      "scores-00001-of-00003.jsonl",
      "scores-00002-of-00003.jsonl",
      "scores.errors-00000-of-00003.jsonl",
      "scores.errors-00001-of-00003.jsonl",
      "scores.errors-00002-of-00003.jsonl",
    ]);
  });

  it("exits 2 with the reason and the help on a usage error; 1 naming an unknown CSV column", async () => {
    const input = await file("usage.jsonl", leadsJsonl(goldenLeads().slice(0, 1)));
    const out = path.join(root, "usage-out.jsonl");
    for (const [args, reason] of [
      [["--output", out], /--input is required/],
      [["--input", input], /--output is required/],
      [["--input", path.join(root, "x.parquet"), "--output", out], /--input must end in \.csv/],
      [["--input", input, "--output", out, "--shard", "3/3"], /--shard must be i\/n/],
      [
        ["--input", input, "--output", out, "--explain", "0"],
        /--explain must be a positive integer/,
      ],
      [["--input", input, "--output", "gs://bucket-only/"], /--output must name a file/],
    ] as const) {
      const run = await scoreCli([...args]);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, reason);
      assert.match(run.stderr, /Usage: lead-scoring score/);
    }
    const csv = await file("extra-column.csv", "lead_id,total_visits,shoe_size\nL-1,3,42\n");
    const run = await scoreCli(["--input", csv, "--output", path.join(root, "extra.jsonl")]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /the CSV column "shoe_size" is neither a field of the model nor the id field "lead_id"/,
    );
    assert.deepEqual(
      (await readdir(root)).filter((name) => name.startsWith("extra.")),
      [],
      "nothing written",
    );
  });
});
