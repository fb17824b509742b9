import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { keysFileText, writeKeysFile } from "../support/api-keys.js";
import { captureLog } from "../support/capture-log.js";
import {
  exitOf,
  freePort,
  startServer,
  waitFor,
  type ServerProcess,
} from "../support/server-process.js";

const SCORER = { name: "crm-scorer", key: "sk-live-scorer-4f9a1c", scopes: ["predict"] };
const UNKNOWN = "sk-live-unknown-77b2e0";

/** The real server's stdout: the log line of a request names its key, never holds one. */
describe("API keys in the request log", () => {
  let server: ServerProcess;
  let url: string;
  before(async () => {
    const port = await freePort();
    server = startServer({
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
      API_KEYS_FILE: writeKeysFile(keysFileText([SCORER])),
    });
    url = `http://127.0.0.1:${port}`;
    await waitFor(() => server.output().includes("model ready"), "model ready");
  });
  after(async () => {
    server.child.kill("SIGKILL");
    await exitOf(server.child);
  });

  it("logs apiKey: name, and neither a valid nor an unknown key", async () => {
    const body = JSON.stringify({ instances: [{ lead_origin: "API" }] });
    const post = (headers: Record<string, string>) =>
      fetch(`${url}/predict`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
    assert.equal((await post({ authorization: `Bearer ${SCORER.key}` })).status, 200);
    assert.equal((await post({ "x-api-key": SCORER.key })).status, 200);
    assert.equal((await post({ authorization: `Bearer ${UNKNOWN}` })).status, 401);
    assert.equal((await post({ "x-api-key": UNKNOWN })).status, 401);
    await waitFor(
      () =>
        server
          .output()
          .split("\n")
          .filter((l) => l.includes('"status":401')).length === 2,
      "the request log lines",
    );
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.includes("request completed"));
    assert.equal(lines.filter((line) => line.includes('"apiKey":"crm-scorer"')).length, 2);
    assert.ok(!server.output().includes(SCORER.key), "the valid key is in the log");
    assert.ok(!server.output().includes(UNKNOWN), "the unknown key is in the log");
  });
});

describe("a bad API keys file at start-up", () => {
  it("exits with code 2 and a message naming the entry", async () => {
    const server = startServer({
      PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
      API_KEYS_FILE: writeKeysFile("keys:\n  - { name: crm, sha256: abc, scopes: [predict] }\n"),
    });
    assert.equal(await exitOf(server.child), 2);
    assert.match(server.output(), /"severity":"CRITICAL".*keys\[0\] \\"crm\\" \/sha256/);
  });
});

describe("log redaction", () => {
  it("censors Authorization and x-api-key wherever a request's headers are logged", () => {
    const { log, lines } = captureLog();
    const headers = { authorization: `Bearer ${SCORER.key}`, "x-api-key": SCORER.key, host: "h" };
    log.info({ req: { headers } }, "a request");
    log.info({ headers }, "headers alone");
    assert.ok(!JSON.stringify(lines).includes(SCORER.key));
    assert.equal((lines[0]?.req as { headers: { host: string } }).headers.host, "h");
  });
});
