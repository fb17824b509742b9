import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ERROR_CATALOG, isErrorCode } from "../../src/protocols/error-catalog.js";
import { builtInGolden } from "../support/app.js";
import { freePort, startServer, waitFor, type ServerProcess } from "../support/server-process.js";

/**
 * The hostile-input corpus (corpus.json) against the real service in a child process: every case
 * gets its expected status, and after every case the process is still ready, still scores a golden
 * row exactly, and its resident memory has not grown past a bound. One bad request from anyone
 * must never cost the next request anything.
 */
interface Case {
  readonly name: string;
  readonly defect?: number;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly bodyText?: string;
  readonly expect: {
    readonly status: number;
    readonly code?: string;
    readonly errorMatches?: string;
    readonly maxBodyBytes?: number;
    readonly requestId?: "replaced" | "echoed";
  };
}

const corpus = JSON.parse(readFileSync(path.join(import.meta.dirname, "corpus.json"), "utf8")) as {
  cases: Case[];
};

/** How much resident memory may grow over the whole run (10^7 rows once cost 660 MB). */
const MAX_RSS_GROWTH_BYTES = 150 * 1024 * 1024;
/** The longest log line allowed: an echoed 8 KB header or 1 MB name must not reach the log. */
const MAX_LOG_LINE = 8192;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `{{repeat:TEXT:COUNT}}` → TEXT repeated COUNT times, so megabyte cases stay readable. */
export function expand(text: string): string {
  return text.replace(/\{\{repeat:(.*?):(\d+)\}\}/g, (_, unit: string, count: string) =>
    unit.repeat(Number(count)),
  );
}

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

describe("hostile input against a real process", () => {
  let server: ServerProcess;
  let base = "";
  let rssAtStart = 0;
  const golden = builtInGolden().rows[0]!;

  before(async () => {
    const port = await freePort();
    server = startServer({ PORT: String(port), METRICS_PORT: "0", LOG_LEVEL: "info" });
    base = `http://127.0.0.1:${port}`;
    await waitFor(() => server.output().includes("model ready"), "model ready");
    // Warm up so the baseline includes what serving normally allocates.
    for (let i = 0; i < 20; i++) await scoreGolden();
    rssAtStart = residentBytes(server.child.pid!);
  });

  after(() => {
    server.child.kill("SIGKILL");
  });

  async function scoreGolden(): Promise<number> {
    const response = await fetch(`${base}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [golden.instance] }),
    });
    assert.equal(response.status, 200, "a golden row still scores");
    return ((await response.json()) as { predictions: number[] }).predictions[0]!;
  }

  for (const testCase of corpus.cases) {
    const label = `${testCase.defect === undefined ? "" : `defect ${testCase.defect}: `}${testCase.name}`;
    it(`${label} → ${testCase.expect.status}`, async () => {
      const headers = Object.fromEntries(
        Object.entries(testCase.headers ?? {}).map(([name, value]) => [name, expand(value)]),
      );
      const body =
        testCase.bodyText !== undefined
          ? expand(testCase.bodyText)
          : testCase.body === undefined
            ? undefined
            : JSON.stringify(testCase.body);
      const response = await fetch(`${base}${expand(testCase.path)}`, {
        method: testCase.method,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        body,
      });
      const text = await response.text();
      const { expect } = testCase;
      assert.equal(response.status, expect.status, `status; body: ${text.slice(0, 300)}`);
      if (expect.status >= 400) {
        const error = JSON.parse(text) as { error: string; code: string };
        // Whatever the case expects, the code is the catalog's, at the catalog's status.
        assert.ok(isErrorCode(error.code), `code ${error.code} is in the catalog`);
        assert.equal(response.status, ERROR_CATALOG[error.code].status, error.code);
        if (expect.code !== undefined) assert.equal(error.code, expect.code);
        if (expect.errorMatches !== undefined)
          assert.match(error.error, new RegExp(expect.errorMatches));
      }
      if (expect.maxBodyBytes !== undefined) {
        assert.ok(text.length <= expect.maxBodyBytes, `answer of ${text.length} bytes`);
      }
      const id = response.headers.get("x-request-id") ?? "";
      if (expect.requestId === "echoed") assert.equal(id, headers["x-request-id"]);
      if (expect.requestId === "replaced") assert.match(id, UUID);

      // The next request is unaffected.
      const ready = await fetch(`${base}/health/ready`);
      assert.equal(ready.status, 200, "still ready");
      assert.ok(Math.abs((await scoreGolden()) - golden.prediction) <= 1e-5, "golden row exact");
      const grown = residentBytes(server.child.pid!) - rssAtStart;
      assert.ok(grown <= MAX_RSS_GROWTH_BYTES, `resident memory grew ${grown >> 20} MB`);
    });
  }

  it("wrote no oversized log line (echoed ids and names are cut)", () => {
    const longest = Math.max(
      ...server
        .output()
        .split("\n")
        .map((line) => line.length),
    );
    assert.ok(longest <= MAX_LOG_LINE, `longest log line has ${longest} characters`);
  });
});
