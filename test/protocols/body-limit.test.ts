import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { discardCapBytes } from "../../src/protocols/body-limit.js";
import { buildTestApp, listenOnLoopback, type TestApp } from "../support/app.js";

const run = promisify(execFile);

/**
 * Python's http.client writes the whole body before it reads a byte of the answer, which is
 * what a 413 sent early (and a connection closed under it) breaks. Prints the status, the
 * Connection header and the JSON body; a broken pipe is a traceback and a non-zero exit.
 */
const PYTHON_CLIENT = `
import http.client, json, sys
port, size, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = b"x" * size
if mode == "chunked":
    body = iter([body[i:i + 65536] for i in range(0, size, 65536)])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
conn.request("POST", "/predict", body=body, headers={"Content-Type": "application/json"},
             encode_chunked=(mode == "chunked"))
response = conn.getresponse()
print(json.dumps({"status": response.status, "connection": response.getheader("connection"),
                  "body": json.loads(response.read())}))
`;

interface ClientResult {
  status: number;
  connection: string | null;
  body: { error: string; code: string };
}

async function pythonPost(port: number, size: number, mode: "length" | "chunked") {
  const { stdout } = await run("python3", ["-c", PYTHON_CLIENT, String(port), String(size), mode], {
    timeout: 60_000,
  });
  return JSON.parse(stdout) as ClientResult;
}

/** A raw connection: the test writes the request; `received` is all the server sent until it closed. */
async function rawConnection(port: number): Promise<{ socket: Socket; received: Promise<string> }> {
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
  socket.on("error", () => {}); // EPIPE / ECONNRESET are outcomes the tests look at
  const received = new Promise<string>((resolve) => socket.once("close", () => resolve(text)));
  return { socket, received };
}

function requestHead(headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${lines.join("")}\r\n`;
}

function written(socket: Socket, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.write(data, (error) => (error ? reject(error) : resolve())),
  );
}

/** Writes `chunk` until the server closes the connection or `maxBytes` are out; returns bytes written. */
async function writeUntilClosed(socket: Socket, chunk: Buffer, maxBytes: number): Promise<number> {
  const closed = new Promise((resolve) => socket.once("close", resolve));
  let total = 0;
  while (total < maxBytes && socket.writable) {
    total += chunk.length;
    if (!socket.write(chunk)) {
      await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
    }
  }
  return total;
}

function httpChunk(size: number): Buffer {
  return Buffer.concat([
    Buffer.from(`${size.toString(16)}\r\n`),
    Buffer.alloc(size, "x"),
    Buffer.from("\r\n"),
  ]);
}

async function hasCurl(): Promise<boolean> {
  return run("curl", ["--version"]).then(
    () => true,
    () => false,
  );
}

describe("a body over the limit, over a real connection", () => {
  let t: TestApp;
  let url: string;
  let port: number;
  let limit: number;
  let cap: number;

  before(async () => {
    t = await buildTestApp();
    ({ url, port } = await listenOnLoopback(t.app));
    limit = t.config.bodyLimitBytes;
    cap = discardCapBytes(limit);
  });
  after(() => t.app.close());

  const assertBodyTooLarge = (result: ClientResult, what: string) => {
    assert.equal(result.status, 413, what);
    assert.equal(result.connection, "close", what);
    assert.equal(result.body.code, "BODY_TOO_LARGE", what);
    assert.match(result.body.error, new RegExp(`too large: the limit is ${limit} bytes`), what);
  };

  it("Python's http.client, which writes the whole body first, reads the 413 (Content-Length)", async () => {
    for (const size of [2_000_000, 10_000_000]) {
      assertBodyTooLarge(await pythonPost(port, size, "length"), `${size} bytes`);
    }
  });

  it("Python's http.client reads the 413 for a chunked body", async () => {
    assertBodyTooLarge(await pythonPost(port, 10_000_000, "chunked"), "chunked");
  });

  it("Node's fetch reads the 413 and its JSON error body", async () => {
    for (const size of [2_000_000, 10_000_000]) {
      const response = await fetch(`${url}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.alloc(size, "x"),
      });
      assertBodyTooLarge(
        {
          status: response.status,
          connection: response.headers.get("connection"),
          body: (await response.json()) as ClientResult["body"],
        },
        `${size} bytes`,
      );
    }
  });

  it("curl reads the 413, with and without Expect: 100-continue", async (context) => {
    if (!(await hasCurl())) return context.skip("curl is not installed");
    for (const expect of ["Expect: 100-continue", "Expect:"]) {
      const { stdout } = await run(
        "sh",
        [
          "-c",
          `head -c 10000000 /dev/zero | curl -sS -H "$1" -H 'content-type: application/json' ` +
            `--data-binary @- -w '\\n%{http_code}' "$2"`,
          "sh",
          expect,
          `${url}/predict`,
        ],
        { timeout: 60_000 },
      );
      const [body = "", status] = stdout.split("\n");
      assert.equal(status, "413", expect);
      assert.equal((JSON.parse(body) as ClientResult["body"]).code, "BODY_TOO_LARGE", expect);
    }
  });

  it("answers Expect: 100-continue over the limit with the 413, never inviting the body", async () => {
    const { socket, received } = await rawConnection(port);
    await written(socket, requestHead({ "Content-Length": "2000000", Expect: "100-continue" }));
    const answer = await received;
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(answer, /100 Continue/);
    assert.match(answer, /"code":"BODY_TOO_LARGE"/);
  });

  it("serves other connections while it discards a body, and answers after the body's last byte", async () => {
    const { socket, received } = await rawConnection(port);
    let answered = false;
    socket.on("data", () => (answered = true));
    await written(socket, requestHead({ "Content-Length": "4000000" }));
    await written(socket, Buffer.alloc(2_000_000, "x"));
    const health = await fetch(`${url}/health/ready`);
    assert.equal(health.status, 200);
    assert.equal(answered, false, "no answer before the body is in");
    await written(socket, Buffer.alloc(2_000_000, "x"));
    const answer = await received;
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    assert.match(answer, /"code":"BODY_TOO_LARGE"/);
  });

  it("stops reading a chunked body past the discard cap and closes; the server stays healthy", async () => {
    const { socket, received } = await rawConnection(port);
    await written(socket, requestHead({ "Transfer-Encoding": "chunked" }));
    const sent = await writeUntilClosed(socket, httpChunk(1024 * 1024), 4 * cap);
    // It reads up to the cap (after the limit Fastify read), then closes; the kernel buffers some.
    assert.ok(sent > cap && sent < 2 * cap, `closed after the cap (${sent} bytes sent)`);
    const answer = await received;
    // Owed nothing past the cap; a client that reads while it writes may still see the 413.
    assert.ok(answer === "" || /^HTTP\/1\.1 413 /.test(answer), answer.slice(0, 200));
    const health = await fetch(`${url}/health/ready`);
    assert.equal(health.status, 200);
  });

  it("answers a declared length past the discard cap at once, and closes", async () => {
    const { socket, received } = await rawConnection(port);
    await written(socket, requestHead({ "Content-Length": String(1024 ** 3) }));
    const answer = await received;
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /"code":"BODY_TOO_LARGE"/);
    assert.equal((await fetch(`${url}/health/ready`)).status, 200);
  });
});
