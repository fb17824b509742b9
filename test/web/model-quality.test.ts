import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { buildTestApp, listenOnLoopback } from "../support/app.js";
import { CHROMIUM, chromiumMissing, collectConsoleErrors } from "../support/chromium.js";
import { fakeModel, type FakeModelOptions } from "../support/fake-models.js";
import { builtWebPage } from "../support/web-page.js";

/**
 * The model panel's training quality (issue 20): lift and capture at 10 % and 20 %, and the
 * held-out and fold ROC-AUC, shown as the version's metadata.json has them, through
 * GET /v1/models/{name}.
 */

// As a pipeline run writes them (pipeline/ranking.py, pipeline/cross_validate.py).
const METRICS = { roc_auc: 0.8694555853378698, log_loss: 0.44049160261737524 };
const RANKING = {
  held_out: {
    lift_at_10pct: 2.40018939393939,
    capture_at_10pct: 0.2401685393258427,
    precision_at_10pct: 0.9250001,
    lift_at_20pct: 2.19873595505618,
    capture_at_20pct: 0.4398876404494382,
    precision_at_20pct: 0.8475609756097561,
  },
  gains_curve: { fraction_of_leads: [0, 1], capture: [0, 1] },
  ties: "leads with equal scores count at their group's conversion rate",
};
const FOLDS = {
  method: "repeated stratified k-fold on the training part",
  folds: 5,
  repeats: 2,
  seed: 42,
  rows: 7389,
  metrics: {
    roc_auc: { mean: 0.8783204301075269, sd: 0.00901234, folds: [0.87, 0.88] },
    lift_at_10pct: { mean: 2.5098765432, sd: 0.0412345, folds: [2.5, 2.52] },
    capture_at_10pct: { mean: 0.2509876, sd: 0.004123, folds: [0.25, 0.252] },
    lift_at_20pct: { mean: 2.3012345, sd: 0.0398765, folds: [2.3, 2.31] },
    capture_at_20pct: { mean: 0.4610123, sd: 0.0079876, folds: [0.46, 0.462] },
  },
};

const ROWS = [
  ["roc_auc", "ROC-AUC"],
  ["lift_at_10pct", "Lift, top 10 %"],
  ["capture_at_10pct", "Conversions reached, top 10 %"],
  ["lift_at_20pct", "Lift, top 20 %"],
  ["capture_at_20pct", "Conversions reached, top 20 %"],
] as const;

interface Description {
  metrics: Record<string, number>;
  ranking?: Record<string, number>;
  crossValidation?: { folds: number; repeats: number; metrics: Record<string, { mean: number }> };
}

const skipReason = chromiumMissing();

describe(
  "the web page's model panel: lift, capture and ROC-AUC from training",
  { skip: skipReason },
  () => {
    let browser: Browser;
    const errors: string[] = [];
    before(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    after(async () => {
      await browser?.close();
      assert.deepEqual(errors, [], "no console error");
    });

    /** The quality table of a page served with a fake version carrying `metadata`. */
    async function qualityShown(metadata: FakeModelOptions["metadata"]) {
      const { model } = await fakeModel("1.0.0", { metadata });
      const t = await buildTestApp({ model, webRoot: await builtWebPage() });
      try {
        const { url } = await listenOnLoopback(t.app);
        const description = (await (
          await fetch(`${url}/v1/models/lead-scoring`)
        ).json()) as Description;
        const page = await browser.newPage();
        collectConsoleErrors(page, errors);
        await page.goto(`${url}/`);
        await page.locator('#model-quality tr[data-metric="roc_auc"]').waitFor();
        const rows = await Promise.all(
          (await page.locator("#model-quality tbody tr").all()).map(async (tr) => ({
            metric: await tr.getAttribute("data-metric"),
            label: await tr.locator("th").textContent(),
            cells: await Promise.all(
              (await tr.locator("td").all()).map(async (td) => ({
                value: await td.getAttribute("data-value"),
                text: await td.textContent(),
              })),
            ),
          })),
        );
        const head = await page.locator("#model-quality thead").textContent();
        await page.close();
        return { description, rows, head };
      } finally {
        await t.app.close();
      }
    }

    it("shows each figure exactly as metadata.json has it, held-out and over folds", async () => {
      const { description, rows, head } = await qualityShown({
        metrics: METRICS,
        ranking: RANKING,
        cross_validation: FOLDS,
      });
      // The service passes the metadata through unchanged…
      assert.deepEqual(description.ranking, RANKING.held_out);
      assert.equal(description.crossValidation!.metrics.roc_auc!.mean, FOLDS.metrics.roc_auc.mean);
      // …and the page shows what it was given.
      assert.deepEqual(
        rows.map((row) => [row.metric, row.label]),
        ROWS.map(([metric, label]) => [metric, label]),
      );
      for (const row of rows) {
        const metric = row.metric as (typeof ROWS)[number][0];
        const heldOut = metric === "roc_auc" ? METRICS.roc_auc : RANKING.held_out[metric];
        assert.equal(Number(row.cells[0]!.value), heldOut, `${metric} held-out`);
        assert.equal(Number(row.cells[1]!.value), FOLDS.metrics[metric].mean, `${metric} folds`);
      }
      const text = (metric: string) => rows.find((row) => row.metric === metric)!.cells;
      assert.deepEqual(
        text("roc_auc").map((c) => c.text),
        ["0.8695", "0.8783 ± 0.0090"],
      );
      assert.deepEqual(
        text("lift_at_20pct").map((c) => c.text),
        ["2.20×", "2.30× ± 0.04×"],
      );
      assert.deepEqual(
        text("capture_at_10pct").map((c) => c.text),
        ["24.0 %", "25.1 % ± 0.4 %"],
      );
      assert.match(head!, /5 folds × 2, mean ± sd/);
    });

    it("says 'not recorded' for a version trained before lift and folds were recorded", async () => {
      const { description, rows } = await qualityShown({ metrics: METRICS });
      assert.equal(description.ranking, undefined);
      assert.equal(description.crossValidation, undefined);
      const roc = rows.find((row) => row.metric === "roc_auc")!;
      assert.equal(Number(roc.cells[0]!.value), METRICS.roc_auc);
      assert.equal(roc.cells[1]!.text, "not recorded");
      for (const row of rows.filter((r) => r.metric !== "roc_auc")) {
        assert.deepEqual(
          row.cells.map((c) => c.text),
          ["not recorded", "not recorded"],
          row.metric ?? undefined,
        );
      }
    });
  },
);
