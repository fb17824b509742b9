import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { parseAliasUri } from "../../src/registry/model-uri.js";

describe("MODEL_URI with an alias", () => {
  it("splits registry, model and alias", () => {
    assert.deepEqual(parseAliasUri("gs://bucket/prefix/lead-scoring@production"), {
      registry: "gs://bucket/prefix",
      model: "lead-scoring",
      alias: "production",
    });
    assert.deepEqual(parseAliasUri("/srv/models/lead-scoring@candidate"), {
      registry: "/srv/models",
      model: "lead-scoring",
      alias: "candidate",
    });
  });

  it("leaves pinned versions and model directories alone", () => {
    assert.equal(parseAliasUri("gs://bucket/prefix/lead-scoring/1.2.3"), undefined);
    assert.equal(parseAliasUri("models/lead-scoring"), undefined);
  });

  it("rejects an invalid alias naming the problem", () => {
    assert.throws(() => parseAliasUri("gs://b/m@Prod!"), ConfigError);
  });
});
