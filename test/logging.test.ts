import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Writable } from "node:stream";
import { pino } from "pino";
import { loggerOptions, requestId, traceFields } from "../src/logging.js";

describe("logging", () => {
  it("writes Cloud Logging fields: severity, message, time", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    pino(loggerOptions("info"), sink).warn("disk almost full");
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry.severity, "WARNING");
    assert.equal(entry.message, "disk almost full");
    assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT/);
  });

  it("links entries to the trace from X-Cloud-Trace-Context", () => {
    const fields = traceFields(
      { "x-cloud-trace-context": "105445aa7843bc8bf206b12000100000/1;o=1" },
      "proj",
    );
    assert.deepEqual(fields, {
      "logging.googleapis.com/trace": "projects/proj/traces/105445aa7843bc8bf206b12000100000",
      "logging.googleapis.com/trace_sampled": true,
      "logging.googleapis.com/spanId": "1",
    });
  });

  it("links entries to the trace from W3C traceparent", () => {
    const fields = traceFields(
      { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
      undefined,
    );
    assert.equal(fields?.["logging.googleapis.com/trace"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.equal(fields?.["logging.googleapis.com/spanId"], "00f067aa0ba902b7");
    assert.equal(traceFields({ traceparent: "garbage" }, "p"), undefined);
  });

  it("honours a plain X-Request-Id and replaces a long or odd one with a UUID", () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const id of ["42", "crm-sync/2026-12-01:42", "a".repeat(128)]) {
      assert.equal(requestId({ "x-request-id": id }), id);
    }
    for (const id of ["a".repeat(129), "", "two words", 'quote"', "line\nbreak", "é"]) {
      assert.match(requestId({ "x-request-id": id }), uuid, JSON.stringify(id));
    }
    assert.match(requestId({}), uuid);
  });
});
