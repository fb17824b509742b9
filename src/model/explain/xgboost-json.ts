import { Type, type Static } from "typebox";
import { ArtifactError } from "../../errors.js";
import { artifactParser } from "../parse-artifact.js";

/**
 * xgboost.json (`booster.save_model("x.json")`): only the parts exact TreeSHAP needs. Node arrays
 * are parallel, one entry per node; -1 children mark a leaf, whose value is its split_conditions
 * entry; sum_hessian is the node's cover.
 */
const Tree = Type.Object({
  left_children: Type.Array(Type.Integer({ minimum: -1 })),
  right_children: Type.Array(Type.Integer({ minimum: -1 })),
  split_indices: Type.Array(Type.Integer({ minimum: 0 })),
  split_conditions: Type.Array(Type.Number()),
  // Older XGBoost wrote booleans, newer writes 0/1.
  default_left: Type.Array(Type.Union([Type.Integer({ minimum: 0, maximum: 1 }), Type.Boolean()])),
  sum_hessian: Type.Array(Type.Number({ minimum: 0 })),
  split_type: Type.Optional(Type.Array(Type.Integer())),
});

const XGBoostJsonSchema = Type.Object({
  learner: Type.Object({
    learner_model_param: Type.Object({
      base_score: Type.String(),
      num_feature: Type.String({ pattern: "^\\d+$" }),
      num_class: Type.Optional(Type.String()),
      num_target: Type.Optional(Type.String()),
    }),
    objective: Type.Object({ name: Type.String() }),
    gradient_booster: Type.Object({
      name: Type.Literal("gbtree"),
      model: Type.Object({ trees: Type.Array(Tree, { minItems: 1 }) }),
    }),
  }),
});

export type XGBoostTree = Static<typeof Tree>;

/** A validated single-output tree ensemble: margin = baseMargin + Σ leaf values. */
export interface XGBoostModel {
  readonly objective: SupportedObjective;
  /** base_score as stored: a probability (binary:logistic) or a value; XGBoost reads a float32. */
  readonly baseScore: number;
  readonly baseMargin: number;
  readonly numFeature: number;
  readonly trees: readonly XGBoostTree[];
}

/** The objectives docs/artifacts.md allows, and how each turns base_score into a margin. */
const OBJECTIVES = {
  "binary:logistic": (baseScore: number) => Math.log(baseScore / (1 - baseScore)),
  "reg:squarederror": (baseScore: number) => baseScore,
} as const;
export type SupportedObjective = keyof typeof OBJECTIVES;

const parseJson = artifactParser(XGBoostJsonSchema);

/** Parses and validates xgboost.json; any inconsistency is an ArtifactError naming the file. */
export function parseXGBoostJson(bytes: Buffer, file: string): XGBoostModel {
  const { learner } = parseJson(bytes, file);
  const param = learner.learner_model_param;
  const objective = learner.objective.name;
  if (!isSupported(objective)) {
    throw new ArtifactError(
      `${file}: objective "${objective}" is not one of ${Object.keys(OBJECTIVES).join(", ")}`,
    );
  }
  if (Number(param.num_class ?? "0") > 1 || Number(param.num_target ?? "1") > 1) {
    throw new ArtifactError(`${file}: only single-output models can be explained`);
  }
  const baseScore = parseBaseScore(param.base_score, file);
  if (objective === "binary:logistic" && !(baseScore > 0 && baseScore < 1)) {
    throw new ArtifactError(`${file}: base_score ${baseScore} is not a probability`);
  }
  const numFeature = Number(param.num_feature);
  const trees = learner.gradient_booster.model.trees;
  trees.forEach((tree, i) => checkTree(tree, numFeature, `${file}: tree ${i}`));
  return {
    objective,
    baseScore,
    baseMargin: OBJECTIVES[objective](baseScore),
    numFeature,
    trees,
  };
}

function isSupported(objective: string): objective is SupportedObjective {
  return Object.hasOwn(OBJECTIVES, objective);
}

/** XGBoost < 3.1 writes "4.6E-1"; newer versions write a one-element vector "[4.6E-1]". */
export function parseBaseScore(text: string, file: string): number {
  const match = /^\[?\s*([^\],\s]+)\s*\]?$/.exec(text.trim());
  const value = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isFinite(value)) {
    throw new ArtifactError(`${file}: base_score "${text}" is not one number`);
  }
  return value;
}

/** Parallel arrays agree, children are in range, and only numeric splits are used. */
function checkTree(tree: XGBoostTree, numFeature: number, where: string): void {
  const n = tree.left_children.length;
  const lengths = [
    tree.right_children.length,
    tree.split_indices.length,
    tree.split_conditions.length,
    tree.default_left.length,
    tree.sum_hessian.length,
  ];
  if (n === 0 || lengths.some((length) => length !== n)) {
    throw new ArtifactError(`${where}: node arrays are empty or of different lengths`);
  }
  if (tree.split_type?.some((type) => type !== 0)) {
    throw new ArtifactError(`${where}: categorical splits are not supported`);
  }
  for (let node = 0; node < n; node++) {
    const left = tree.left_children[node]!;
    const right = tree.right_children[node]!;
    if ((left === -1) !== (right === -1) || left >= n || right >= n) {
      throw new ArtifactError(`${where}, node ${node}: children ${left}, ${right} are invalid`);
    }
    if (left !== -1 && tree.split_indices[node]! >= numFeature) {
      throw new ArtifactError(`${where}, node ${node}: splits on feature past num_feature`);
    }
  }
}
