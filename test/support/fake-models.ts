import { ModelExplainer } from "../../src/model/explain/model-explainer.js";
import { SampledShapley } from "../../src/model/explain/sampled-shapley.js";
import { TreeShap } from "../../src/model/explain/tree-shap.js";
import { LoadedModel } from "../../src/model/loaded-model.js";
import type { ModelMetadata, ModelTask } from "../../src/model/metadata.js";
import type { Scorer } from "../../src/model/scorer.js";
import { Preprocessor } from "../../src/model/preprocessor.js";
import type { PreprocessorSpec } from "../../src/model/preprocessor-spec.js";

/**
 * Fake model versions for lifecycle tests, in the spirit of MLServer's test fixtures (a sum
 * model, a slow model, an erroring model): real LoadedModel instances with a real Preprocessor
 * and explainer (TreeSHAP over one constant tree, sampled Shapley), and only the scorer
 * replaced by a FakeScorer.
 * They load in microseconds, answer with a score that names their version, can be held inside
 * scoring until the test lets them go, and count their release() calls.
 */

/** A request schema: the raw fields (preprocessor.json) and the name of the tensor they make. */
export interface FakeSchema {
  /** The ONNX input name: the V2 preprocessed-tensor input is named after it. */
  readonly tensor: string;
  readonly spec: PreprocessorSpec;
}

/**
 * A schema of one number field and one string field one-hot encoded after it, into a tensor
 * named `tensor` of width 1 + categories. Missing values fill with 0 and the first category.
 */
function twoFieldSchema(
  tensor: string,
  numeric: string,
  categorical: string,
  categories: readonly [string, ...string[]],
): FakeSchema {
  const fields: PreprocessorSpec["fields"] = [
    { name: numeric, type: "numeric", fill_value: 0, mean: 0, scale: 1, output_index: 0 },
    {
      name: categorical,
      type: "categorical",
      fill_value: categories[0],
      output_offset: 1,
      categories: [...categories],
    },
  ];
  const columns = [numeric, ...categories.map((category) => `${categorical}=${category}`)];
  return {
    tensor,
    spec: {
      format: "lead-scoring-preprocessor/v1",
      missing_values: [""],
      fields,
      output_columns: columns,
      n_outputs: columns.length,
    },
  };
}

/** `visits` (number) and `source` (string) into a tensor `features` of width 3. */
export const LEAD_SCHEMA = twoFieldSchema("features", "visits", "source", ["web", "ads"]);

/** A different schema: other field names, another tensor name, width 4. */
export const OTHER_SCHEMA = twoFieldSchema("preprocessed", "minutes", "channel", [
  "email",
  "phone",
  "chat",
]);

/**
 * The score a fake version answers every row with: (patch + 1) / 8, exact in float32, so an
 * answer tells which version computed it (1.0.0 → 0.125, 1.0.1 → 0.25, 1.0.2 → 0.375).
 */
export function scoreOf(version: string): number {
  const patch = Number(version.split(".")[2]);
  if (!Number.isInteger(patch) || patch < 0 || patch > 6) {
    throw new Error(`fake versions are x.y.0 to x.y.6, not ${version}`);
  }
  return (patch + 1) / 8;
}

/** fixed: answers at once; gated: waits inside scoring until open(); failing: rejects. */
export type FakeBehaviour = "fixed" | "gated" | "failing";

/**
 * Stands in for the scorer (compiled trees or ONNX session): a Scorer (score and release), with
 * a score that names the version, an optional gate inside scoring, and counters.
 */
export class FakeScorer implements Scorer {
  readonly kind = "onnx";
  /** release() calls so far: the lifecycle must make exactly one, after the last lease ended. */
  releases = 0;
  /** score() calls begun so far (requests that reached scoring). */
  calls = 0;
  private readonly arrivals: { count: number; resolve: () => void }[] = [];
  private openGate: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));

  constructor(
    readonly version: string,
    readonly value: number,
    readonly behaviour: FakeBehaviour,
  ) {}

  async score(_features: Float32Array, rows: number): Promise<Float32Array> {
    this.calls++;
    for (const arrival of this.arrivals.filter((waiting) => waiting.count <= this.calls)) {
      arrival.resolve();
    }
    if (this.behaviour === "failing") throw new Error(`fake model ${this.version} failed`);
    if (this.behaviour === "gated") await this.gate;
    return new Float32Array(rows).fill(this.value);
  }

  release(): Promise<void> {
    this.releases++;
    return Promise.resolve();
  }

  /** Resolves once `count` score() calls have begun (for a gated scorer: are held inside). */
  entered(count = 1): Promise<void> {
    if (this.calls >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.push({ count, resolve }));
  }

  /** Lets every held and every later score() call of a gated scorer through. */
  open(): void {
    this.openGate();
  }
}

export interface FakeModel {
  readonly model: LoadedModel;
  readonly scorer: FakeScorer;
}

export interface FakeModelOptions {
  readonly name?: string;
  readonly schema?: FakeSchema;
  readonly task?: ModelTask;
  readonly behaviour?: FakeBehaviour;
  /** metadata display_name / description of some fields (the others have none). */
  readonly labels?: Readonly<Record<string, { display_name?: string; description?: string }>>;
  /** metadata.json entries on top of the fake's own (metrics, ranking, cross_validation…). */
  readonly metadata?: Partial<ModelMetadata>;
}

/** A fake version of model `name` (default "lead-scoring") answering scoreOf(version). */
export async function fakeModel(
  version: string,
  options: FakeModelOptions = {},
): Promise<FakeModel> {
  const { name = "lead-scoring", schema = LEAD_SCHEMA, task = "binary" } = options;
  const value = scoreOf(version);
  const scorer = new FakeScorer(version, value, options.behaviour ?? "fixed");
  const preprocessor = new Preprocessor(schema.spec);
  const metadata = {
    ...metadataOf(name, version, task, schema, options.labels),
    ...options.metadata,
  };
  const fields = preprocessor.columns;
  const space = task === "binary" ? "log_odds" : "value";
  // The explainer scores its baseline once, at load, past the gate and the counters.
  const sampled = await SampledShapley.create(
    fields,
    preprocessor.encode([metadata.explain_baseline]),
    space,
    (_features, rows) => Promise.resolve(new Float32Array(rows).fill(value)),
  );
  const explainer = new ModelExplainer(
    fields,
    space,
    sampled,
    constantTrees(value, task, preprocessor.width),
  );
  const model = new LoadedModel(
    metadata,
    preprocessor,
    scorer,
    `fake://${name}/${version}`,
    explainer,
  );
  return { model, scorer };
}

/** TreeSHAP over one single-leaf tree: a margin that gives `value` for every row. */
function constantTrees(value: number, task: ModelTask, width: number): TreeShap {
  const margin = task === "binary" ? Math.log(value / (1 - value)) : value;
  return new TreeShap({
    objective: task === "binary" ? "binary:logistic" : "reg:squarederror",
    baseScore: task === "binary" ? 0.5 : 0,
    baseMargin: 0,
    numFeature: width,
    trees: [
      {
        left_children: [-1],
        right_children: [-1],
        split_indices: [0],
        split_conditions: [margin],
        default_left: [0],
        sum_hessian: [1],
      },
    ],
  });
}

function metadataOf(
  name: string,
  version: string,
  task: ModelTask,
  schema: FakeSchema,
  labels: FakeModelOptions["labels"] = {},
): ModelMetadata {
  const { spec } = schema;
  return {
    format: "lead-scoring-model/v1",
    name,
    version,
    task,
    objective: task === "binary" ? "binary:logistic" : "reg:squarederror",
    created_at: "2026-01-01T00:00:00Z",
    metrics: {},
    primary_metric: { name: "roc_auc", value: 0.5, higher_is_better: true },
    schema: {
      fields: spec.fields.map((field) => ({
        ...(field.type === "numeric"
          ? { name: field.name, type: "number" as const, nullable: true }
          : {
              name: field.name,
              type: "string" as const,
              nullable: true,
              categories: field.categories,
            }),
        ...labels[field.name],
      })),
    },
    expected_value: 0,
    explain_baseline: Object.fromEntries(
      spec.fields.map((field) => [field.name, field.fill_value]),
    ),
    onnx: {
      input: schema.tensor,
      output: "probabilities",
      output_column: null,
      n_features: spec.n_outputs,
    },
    files: {},
  };
}
