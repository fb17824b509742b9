import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { ModelMetadata } from "../../src/model/metadata.js";
import { decidePromotion } from "../../src/registry/promotion.js";
import { nextVersion } from "../../src/registry/versioning.js";
import { builtInVersionDir } from "../support/app.js";

const base = JSON.parse(
  readFileSync(path.join(builtInVersionDir(), "metadata.json"), "utf8"),
) as ModelMetadata;
const withMetric = (
  version: string,
  name: string,
  value: number,
  higher: boolean,
): ModelMetadata => ({
  ...base,
  version,
  primary_metric: { name, value, higher_is_better: higher },
});

describe("semantic versions", () => {
  const schema = base.schema;
  it("starts at 1.0.0", () => assert.equal(nextVersion(undefined, schema), "1.0.0"));
  it("bumps the patch for the same fields (categories may differ)", () => {
    const moreCategories = {
      fields: schema.fields.map((f) =>
        f.categories ? { ...f, categories: [...f.categories, "New"] } : f,
      ),
    };
    assert.equal(nextVersion({ version: "1.4.2", schema }, moreCategories), "1.4.3");
  });
  it("bumps the minor when a field is added, removed or retyped", () => {
    const [first, ...rest] = schema.fields;
    const retyped = {
      fields: [
        { ...first!, type: first!.type === "number" ? "string" : "number" } as const,
        ...rest,
      ],
    };
    assert.equal(nextVersion({ version: "1.4.2", schema }, { fields: rest }), "1.5.0");
    assert.equal(nextVersion({ version: "1.4.2", schema }, retyped), "1.5.0");
    assert.equal(
      nextVersion(
        { version: "1.4.2", schema },
        { fields: [...schema.fields, { name: "x", type: "number", nullable: true }] },
      ),
      "1.5.0",
    );
  });
  it("bumps the major on request", () =>
    assert.equal(nextVersion({ version: "1.4.2", schema }, schema, { major: true }), "2.0.0"));
});

describe("promote-if-better", () => {
  it("promotes when nothing is in production", () => {
    assert.equal(
      decidePromotion(withMetric("1.0.0", "roc_auc", 0.8, true), undefined).promote,
      true,
    );
  });
  it("promotes a strictly higher ROC-AUC and keeps an equal or lower one", () => {
    const production = withMetric("1.0.0", "roc_auc", 0.87, true);
    const better = decidePromotion(withMetric("1.0.1", "roc_auc", 0.88, true), production);
    assert.deepEqual([better.promote, /better/.test(better.reason)], [true, true]);
    assert.equal(
      decidePromotion(withMetric("1.0.1", "roc_auc", 0.87, true), production).promote,
      false,
    );
    const worse = decidePromotion(withMetric("1.0.1", "roc_auc", 0.86, true), production);
    assert.equal(worse.promote, false);
    assert.match(
      worse.reason,
      /not strictly better: candidate 1\.0\.1 roc_auc 0\.860000 .* production 1\.0\.0 roc_auc 0\.870000/,
    );
  });
  it("promotes a strictly lower RMSE for regression", () => {
    const production = withMetric("1.0.0", "rmse", 0.2, false);
    assert.equal(
      decidePromotion(withMetric("1.0.1", "rmse", 0.19, false), production).promote,
      true,
    );
    assert.equal(
      decidePromotion(withMetric("1.0.1", "rmse", 0.21, false), production).promote,
      false,
    );
  });
  describe("with a paired comparison in the candidate's metadata", () => {
    const production = withMetric("1.0.0", "roc_auc", 0.87, true);
    const paired = (interval: [number, number], against = "1.0.0"): ModelMetadata => ({
      // Its own held-out value would promote it under the older rule: the interval decides.
      ...withMetric("1.0.1", "roc_auc", 0.9, true),
      comparison: {
        method: "paired bootstrap, percentile interval",
        metric: "roc_auc",
        higher_is_better: true,
        against: { version: against },
        candidate: 0.875,
        production: 0.87,
        difference: 0.005,
        interval,
        level: 0.95,
        margin: 0.005,
        rows: 1848,
        resamples: 2000,
        seed: 42,
      },
    });
    it("keeps production when the interval includes 0: not significantly better", () => {
      const decision = decidePromotion(paired([-0.002, 0.012]), production);
      assert.equal(decision.promote, false);
      assert.equal(
        decision.reason,
        "not significantly better: roc_auc +0.0050 (95% paired bootstrap, percentile interval " +
          "-0.0020 to +0.0120, 1848 rows, margin 0.005) vs production 1.0.0",
      );
    });
    it("promotes only when the whole interval is above the margin", () => {
      assert.equal(decidePromotion(paired([0.004, 0.012]), production).promote, false);
      const decision = decidePromotion(paired([0.006, 0.012]), production);
      assert.deepEqual(
        [decision.promote, /^better beyond noise/.test(decision.reason)],
        [true, true],
      );
    });
    it("keeps production when the comparison was made against another version", () => {
      const decision = decidePromotion(paired([0.001, 0.012], "0.9.0"), production);
      assert.equal(decision.promote, false);
      assert.match(decision.reason, /compared with 0\.9\.0, but production is now 1\.0\.0/);
    });
    it("for a lower-is-better metric, the whole interval must be below minus the margin", () => {
      const rmse = withMetric("1.0.0", "rmse", 0.2, false);
      const candidate = (interval: [number, number]): ModelMetadata => {
        const m = paired(interval);
        return {
          ...m,
          primary_metric: { name: "rmse", value: 0.19, higher_is_better: false },
          comparison: { ...m.comparison!, metric: "rmse", higher_is_better: false, margin: 0 },
        };
      };
      assert.equal(decidePromotion(candidate([-0.03, -0.001]), rmse).promote, true);
      assert.equal(decidePromotion(candidate([-0.03, 0.001]), rmse).promote, false);
    });
  });
  it("refuses to compare different metrics", () => {
    const decision = decidePromotion(
      withMetric("1.0.1", "rmse", 0.1, false),
      withMetric("1.0.0", "roc_auc", 0.9, true),
    );
    assert.deepEqual([decision.promote, /not comparable/.test(decision.reason)], [false, true]);
  });
});
