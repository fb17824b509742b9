import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ArtifactError } from "../../src/errors.js";
import { chooseScorer, type ScorerArtifacts } from "../../src/model/choose-scorer.js";
import { parseXGBoostJson, type XGBoostModel } from "../../src/model/explain/xgboost-json.js";
import { parseGolden, type Golden } from "../../src/model/golden.js";
import { parseMetadata } from "../../src/model/metadata.js";
import { OnnxScorer } from "../../src/model/onnx-scorer.js";
import { Preprocessor } from "../../src/model/preprocessor.js";
import { parsePreprocessorSpec } from "../../src/model/preprocessor-spec.js";
import { TreeScorer } from "../../src/model/tree-scorer.js";
import { PACKAGE_ROOT } from "../../src/package-root.js";

/** XGBoost's predictions on the stress set (pipeline/tests/test_tree_scorer_fixture.py). */
interface StressFixture {
  readonly model: string;
  /** A golden row's features with `set` columns replaced (null = NaN, missing). */
  readonly feature_rows: readonly (Expected & {
    readonly base: number;
    readonly set: readonly [number, number | null][];
  })[];
  /** Its rows with missing values, scored with default_left set at every even-numbered node. */
  readonly default_left_rows: StressFixture["feature_rows"];
  /** A golden row's raw instance with `set` fields replaced and `unset` keys removed. */
  readonly instances: readonly (Expected & {
    readonly base: number;
    readonly set: Record<string, unknown>;
    readonly unset?: readonly string[];
  })[];
  /** The committed trees cut to depth t % 8 (a single leaf at 0), and rows scored on them. */
  readonly shaped: {
    readonly trees: XGBoostModel["trees"];
    readonly rows: StressFixture["feature_rows"];
  };
}
interface Expected {
  readonly case?: string;
  readonly margin: number;
  readonly prediction: number;
}

const fixture = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, "test/fixtures/tree-scorer-stress.json"), "utf8"),
) as StressFixture;
const dir = path.join(PACKAGE_ROOT, fixture.model);
const read = (file: string) => readFileSync(path.join(dir, file));
const xgboost = parseXGBoostJson(read("xgboost.json"), "xgboost.json");
const golden = parseGolden(read("golden.json"), "golden.json");
const metadata = parseMetadata(read("metadata.json"), "metadata.json");
const preprocessor = new Preprocessor(
  parsePreprocessorSpec(read("preprocessor.json"), "preprocessor.json"),
);
const trees = new TreeScorer(xgboost);

/** The longest root-to-leaf path of an XGBoost tree, in steps. */
function treeDepth(tree: XGBoostModel["trees"][number], node = 0): number {
  const left = tree.left_children[node]!;
  if (left < 0) return 0;
  return 1 + Math.max(treeDepth(tree, left), treeDepth(tree, tree.right_children[node]));
}

/** Row-major float32 rows, as the service scores them. */
function rowsOf(rows: readonly (readonly number[])[]): Float32Array {
  const out = new Float32Array(rows.length * trees.width);
  rows.forEach((row, i) => out.set(row, i * trees.width));
  return out;
}

/** Golden rows with columns replaced; a Float32Array rounds each double as XGBoost's DMatrix. */
function featureRows(cases: StressFixture["feature_rows"]): Float32Array {
  const features = rowsOf(cases.map((row) => golden.rows[row.base]!.features));
  cases.forEach((row, i) => {
    for (const [column, value] of row.set) features[i * trees.width + column] = value ?? NaN;
  });
  return features;
}

/**
 * XGBoost's outputs are float32; the fixture holds them as exact doubles. Equal means the same
 * float32, bit for bit: the scorer computes in float32 exactly as XGBoost's predictor does.
 */
async function assertEqualToXGBoost(
  features: Float32Array,
  expected: readonly Expected[],
  scorer = trees,
): Promise<void> {
  const margins = scorer.margins(features, expected.length);
  const predictions = await scorer.score(features, expected.length);
  expected.forEach((row, i) => {
    const at = `row ${i} (${row.case ?? "golden"})`;
    assert.equal(margins[i], Math.fround(row.margin), `margin of ${at}`);
    assert.equal(predictions[i], Math.fround(row.prediction), `prediction of ${at}`);
  });
}

describe("the compiled tree scorer", () => {
  it("equals XGBoost on every golden row, margin and probability", async () => {
    const features = rowsOf(golden.rows.map((row) => row.features));
    await assertEqualToXGBoost(features, golden.rows);
    const encoded = preprocessor.encode(golden.rows.map((row) => row.instance));
    await assertEqualToXGBoost(encoded, golden.rows);
  });

  it("equals XGBoost on thresholds, float32 rounding edges and missing values", async () => {
    const cases = fixture.feature_rows;
    assert.ok(cases.length > 1000, "the stress set is there");
    await assertEqualToXGBoost(featureRows(cases), cases);
  });

  it("sends missing values to the default child, left or right", async () => {
    // The committed model was trained without missing values: every default child is the right
    // one. The fixture's second booster sends them left at every even-numbered node.
    const flipped = new TreeScorer({
      ...xgboost,
      trees: xgboost.trees.map((tree) => ({
        ...tree,
        default_left: tree.default_left.map((_, node) => (node % 2 === 0 ? 1 : 0)),
      })),
    });
    const cases = fixture.default_left_rows;
    assert.ok(cases.length > 100, "the stress set is there");
    await assertEqualToXGBoost(featureRows(cases), cases, flipped);
  });

  it("equals XGBoost on trees of unequal depth and a single-leaf tree", async () => {
    const { trees: shapedTrees, rows } = fixture.shaped;
    const depths = new Set(shapedTrees.map((tree) => treeDepth(tree)));
    assert.ok(depths.has(0) && depths.size > 5, `trees of depths ${[...depths].join(", ")}`);
    const shaped = new TreeScorer({ ...xgboost, trees: shapedTrees });
    const features = featureRows(rows);
    assert.ok(features.includes(Infinity) && features.includes(-Infinity), "±Infinity is there");
    assert.ok(features.some(Number.isNaN), "missing values are there");
    await assertEqualToXGBoost(features, rows, shaped);
  });

  it("scores a row the same in a batch of any size, as its memory grows and is reused", () => {
    // Four rows walk together; the rest one at a time: every remainder and both paths agree.
    const cases = fixture.feature_rows.slice(0, 23);
    const features = featureRows(cases);
    const alone = cases.map((_, i) => trees.margins(features.subarray(i * trees.width), 1)[0]);
    for (const size of [23, 1, 2, 3, 4, 5, 7, 8, 9, 17, 22]) {
      const margins = trees.margins(features, size);
      assert.equal(margins.length, size);
      assert.deepEqual([...margins], alone.slice(0, size), `a batch of ${size}`);
    }
    const big = new Float32Array(5000 * trees.width);
    for (let row = 0; row < 5000; row++)
      big.set(features.subarray(0, trees.width), row * trees.width);
    assert.ok(trees.margins(big, 5000).every((margin) => margin === alone[0]));
    assert.deepEqual([...trees.margins(features, 3)], alone.slice(0, 3), "after growing");
  });

  it("equals XGBoost on raw instances through the preprocessor: edges, unseen categories, missing", async () => {
    const cases = fixture.instances;
    const unseen = new Set<string>();
    const instances = cases.map((row) => {
      const base: Record<string, unknown> = { ...golden.rows[row.base]!.instance };
      for (const key of row.unset ?? []) delete base[key];
      return { ...base, ...row.set };
    });
    const features = preprocessor.encode(instances, (field) => unseen.add(field));
    assert.ok(unseen.size > 10, "unseen categories were scored");
    await assertEqualToXGBoost(features, cases);
  });

  it("agrees with the ONNX export on every golden row within the golden tolerance", async () => {
    const onnx = await OnnxScorer.create(read("model.onnx"), {
      input: metadata.onnx.input,
      output: metadata.onnx.output,
      outputColumn: metadata.onnx.output_column,
      width: metadata.onnx.n_features,
      threads: 1,
    });
    const features = rowsOf(golden.rows.map((row) => row.features));
    const [fromTrees, fromOnnx] = [
      await trees.score(features, golden.rows.length),
      await onnx.score(features, golden.rows.length),
    ];
    await onnx.release();
    fromTrees.forEach((value, i) => {
      assert.ok(Math.abs(value - fromOnnx[i]!) <= golden.tolerance, `row ${i}`);
    });
  });

  it("scores a regression model as its margin", async () => {
    const regression = new TreeScorer({ ...xgboost, objective: "reg:squarederror", baseScore: 2 });
    const features = rowsOf(golden.rows.slice(0, 5).map((row) => row.features));
    const margins = regression.margins(features, 5);
    assert.deepEqual(await regression.score(features, 5), margins);
    // Same trees, another base: every margin moves by the difference of the bases.
    const binary = trees.margins(features, 5);
    margins.forEach((margin, i) => {
      assert.ok(Math.abs(margin - 2 - (binary[i]! - trees.baseMargin)) < 1e-5);
    });
  });

  it("refuses trees whose children point back (a cycle would hang a request)", () => {
    const [first, ...rest] = xgboost.trees;
    const looped = { ...first!, left_children: [0, ...first!.left_children.slice(1)] };
    assert.throws(
      () => new TreeScorer({ ...xgboost, trees: [looped, ...rest] }),
      /tree 0, node 0: children must come after their parent/,
    );
  });

  it("refuses a node that is the child of two nodes (the trees are laid out as trees)", () => {
    const [first, ...rest] = xgboost.trees;
    const right_children = [...first!.right_children];
    right_children[0] = first!.left_children[0]!;
    assert.throws(
      () => new TreeScorer({ ...xgboost, trees: [{ ...first!, right_children }, ...rest] }),
      (error: unknown) =>
        error instanceof ArtifactError && /tree 0, node \d+ has two parents/.test(error.message),
    );
  });
});

describe("choosing the scorer (SCORER)", () => {
  const artifacts = (xgb: XGBoostModel | undefined, gold: Golden = golden): ScorerArtifacts => ({
    metadata,
    preprocessor,
    golden: gold,
    xgboost: xgb,
    onnx: read("model.onnx"),
    threads: 1,
  });
  /** Every leaf of the first tree moved by 0.5: the trees no longer reproduce XGBoost. */
  const wrongTrees = (): XGBoostModel => {
    const [first, ...rest] = xgboost.trees;
    const split_conditions = first!.split_conditions.map((value, node) =>
      first!.left_children[node] === -1 ? value + 0.5 : value,
    );
    return { ...xgboost, trees: [{ ...first!, split_conditions }, ...rest] };
  };

  it("auto and trees pick the compiled trees when they pass the golden gate", async () => {
    for (const choice of ["auto", "trees"] as const) {
      const { scorer, fallback } = await chooseScorer(choice, artifacts(xgboost));
      assert.equal(scorer.kind, "trees", choice);
      assert.equal(fallback, undefined);
    }
  });

  it("onnx picks ONNX Runtime even when trees are there", async () => {
    const { scorer, fallback } = await chooseScorer("onnx", artifacts(xgboost));
    assert.equal(scorer.kind, "onnx");
    assert.equal(fallback, undefined, "asked for, not fallen back to");
    await scorer.release();
  });

  it("auto falls back to ONNX when the trees fail the gate or are absent", async () => {
    const cases: [XGBoostModel | undefined, RegExp][] = [
      [wrongTrees(), /golden check failed for lead-scoring .* \(compiled trees\): row \d+/],
      [undefined, /the version has no xgboost\.json/],
    ];
    for (const [xgb, why] of cases) {
      const { scorer, fallback } = await chooseScorer("auto", artifacts(xgb));
      assert.equal(scorer.kind, "onnx");
      assert.match(fallback ?? "", why);
      await scorer.release();
    }
  });

  it("trees refuses a version whose trees fail the gate, or that has none", async () => {
    const refused = (pattern: RegExp) => (error: unknown) => {
      assert.ok(error instanceof ArtifactError, String(error));
      assert.match(error.message, pattern);
      return true;
    };
    await assert.rejects(
      chooseScorer("trees", artifacts(wrongTrees())),
      refused(/SCORER=trees cannot serve .*golden check failed .*compiled trees/),
    );
    await assert.rejects(
      chooseScorer("trees", artifacts(undefined)),
      refused(/SCORER=trees cannot serve this version: the version has no xgboost\.json/),
    );
  });
});
