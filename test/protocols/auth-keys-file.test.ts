import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import { ApiKeys, hashKey } from "../../src/protocols/auth/api-keys.js";
import { parseKeysFile } from "../../src/protocols/auth/keys-file.js";

const SHA = createHash("sha256").update("sk-one").digest("hex");
const OTHER = createHash("sha256").update("sk-two").digest("hex");

describe("the API keys file", () => {
  it("reads YAML and JSON, quotas from the entry or the file's default", () => {
    const yaml = `
defaultRateLimit: { max: 100, timeWindow: "1 minute" }
keys:
  - { name: one, sha256: ${SHA.toUpperCase()}, scopes: [predict, explain], rateLimit: { max: 5, timeWindow: 1000 } }
  - { name: two, sha256: ${OTHER}, scopes: [admin] }
`;
    const [one, two] = parseKeysFile(yaml, "keys.yaml");
    assert.deepEqual([...(one?.scopes ?? [])], ["predict", "explain"]);
    assert.deepEqual(one?.quota, { max: 5, timeWindowMs: 1000 });
    assert.deepEqual(two?.quota, { max: 100, timeWindowMs: 60_000 });
    const json = JSON.stringify({ keys: [{ name: "one", sha256: SHA, scopes: ["feedback"] }] });
    assert.equal(parseKeysFile(json, "keys.json")[0]?.quota, undefined);
  });

  it("accepts the README's example", () => {
    const readme = readFileSync(path.join(PACKAGE_ROOT, "README.md"), "utf8");
    const example = /```yaml\n(defaultRateLimit:[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example !== undefined, "no keys file example in the README");
    const keys = parseKeysFile(example, "README.md");
    assert.deepEqual(
      keys.map((key) => [key.name, key.quota?.max]),
      [
        ["crm-acme", 6000],
        ["ops", 600],
      ],
    );
  });

  it("names the file and the entry of each problem", () => {
    const cases: Array<[string, RegExp]> = [
      ["keys: [", /keys.yaml is not valid YAML or JSON/],
      [`keys:\n  - { name: crm, sha256: ${SHA}, scopes: [write] }`, /keys\[0\] "crm" \/scopes\/0/],
      [`keys:\n  - { name: crm, sha256: abc, scopes: [predict] }`, /keys\[0\] "crm" \/sha256/],
      [`keys:\n  - { name: crm, sha256: ${SHA}, scopes: [] }`, /keys\[0\] "crm" \/scopes/],
      [
        `keys:\n  - { name: crm, key: sk-secret, sha256: ${SHA}, scopes: [predict] }`,
        /keys\[0\] "crm"/,
      ],
      [
        `keys:\n  - { name: a, sha256: ${SHA}, scopes: [predict] }\n  - { name: a, sha256: ${OTHER}, scopes: [predict] }`,
        /keys\[1\] "a": the name is used twice/,
      ],
      [
        `keys:\n  - { name: a, sha256: ${SHA}, scopes: [predict] }\n  - { name: b, sha256: ${SHA}, scopes: [predict] }`,
        /keys\[1\] "b": the same sha256/,
      ],
      [
        `keys:\n  - { name: a, sha256: ${SHA}, scopes: [predict], rateLimit: { max: 1, timeWindow: soon } }`,
        /keys\[0\] "a" rateLimit: timeWindow "soon"/,
      ],
    ];
    for (const [text, expected] of cases) {
      assert.throws(() => parseKeysFile(text, "keys.yaml"), expected, text);
    }
  });

  it("finds a key by its hash, and nothing else", () => {
    const keys = new ApiKeys(
      parseKeysFile(
        `keys:\n  - { name: one, sha256: ${hashKey("sk-one")}, scopes: [predict] }`,
        "f",
      ),
    );
    assert.equal(keys.lookup("sk-one")?.name, "one");
    assert.equal(keys.lookup("sk-two"), undefined);
    assert.equal(keys.lookup(SHA), undefined); // the hash itself is not a key
    assert.equal(keys.lookup(""), undefined);
    assert.equal(keys.lookup("x".repeat(10_000)), undefined);
  });
});
