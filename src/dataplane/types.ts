import type { InvalidInputError } from "../errors.js";
import type { ExplainMethod, Explanations } from "../model/explain/types.js";
import type { ModelTask } from "../model/metadata.js";
import type { TextCells } from "../model/text-cells.js";

/** Which model a request is for. */
export interface ModelTarget {
  /** Model name from the URL (KServe, V2); undefined = the served model (Vertex /predict). */
  readonly model?: string;
  /** Version from the URL (V2 `/versions/<v>`); undefined = whichever is current. */
  readonly version?: string;
  /** Who asked, as the protocol layer knows it; passed on to the observer, never scored. */
  readonly context?: RequestContext;
}

/** What the protocol layer knows of the request behind a call, for the observer's records. */
export interface RequestContext {
  /** The request id (X-Request-Id or a fresh UUID), as logged and echoed. */
  readonly requestId?: string;
}

/** What a wire format decodes into for scoring: raw instances or preprocessed rows. */
export type ScoringInput =
  | {
      readonly kind: "instances";
      readonly instances: readonly unknown[];
      readonly threshold?: number;
    }
  | {
      readonly kind: "features";
      /** Row-major `rows × width`. */
      readonly features: Float32Array;
      readonly rows: number;
      readonly threshold?: number;
    };

/** One protocol-neutral prediction request: what every wire format decodes into. */
export interface PredictRequest extends ModelTarget {
  /** Raw instances, objects keyed by field name; validated while encoding. */
  readonly instances: readonly unknown[];
  /** Binary models only: also return a 0/1 label at this probability threshold. */
  readonly threshold?: number;
}

/**
 * Raw instances as rows of text cells rather than objects (a CSV's rows, as they lie in the
 * input): instance `i`'s field `fields[k]` is cell `i * fields.length + k`. A cell means what
 * textValue says (empty: null; a number field's decimal: that number; else the text); the rows
 * are checked and encoded as the objects with those values would be, without building them.
 */
export interface PredictTextRequest extends ModelTarget {
  /** The model's fields (a subset, in any order) that each row gives a cell for. */
  readonly fields: readonly string[];
  readonly cells: TextCells;
  readonly rows: number;
  /** Each row's id (the id field is no feature, so it is kept beside the cells). */
  readonly ids?: readonly (string | undefined)[];
  readonly threshold?: number;
}

/** Already-preprocessed rows (V2 FP32 tensor), row-major `rows × width`. */
export interface PredictFeaturesRequest extends ModelTarget {
  readonly features: Float32Array;
  readonly rows: number;
  readonly threshold?: number;
}

export interface PredictResult {
  readonly model: string;
  readonly version: string;
  readonly task: ModelTask;
  /** Probability of conversion (binary) or predicted value (regression), one per instance. */
  readonly scores: Float32Array;
  /** Present when a threshold was asked for. */
  readonly labels?: Uint8Array;
  /**
   * The id each instance carried in the id field (DataPlaneOptions.idField), undefined for an
   * instance without one. Present only when at least one instance carried an id.
   */
  readonly ids?: readonly (string | undefined)[];
}

/** One instance of a batch scored per instance: its score (and label), or why it failed. */
export type InstanceOutcome =
  { readonly score: number; readonly label?: number } | { readonly error: InvalidInputError };

/** A batch scored per instance (DataPlane.predictEach): one outcome per instance, in order. */
export interface PerInstanceResult {
  readonly model: string;
  readonly version: string;
  readonly task: ModelTask;
  readonly outcomes: readonly InstanceOutcome[];
  /** Each instance's id, failed ones included, when any instance carried one. */
  readonly ids?: readonly (string | undefined)[];
}

/** Attributions for raw instances: a PredictRequest plus the method and its knobs. */
export interface ExplainRequest extends PredictRequest {
  /** undefined = the model's default (TreeSHAP where the model has tree structure). */
  readonly method?: ExplainMethod;
  /** Sampled Shapley only: permutations per instance, 1..50 (default 10). */
  readonly pathCount?: number;
  /** Sampled Shapley only: permutation seed (default 0, so equal requests explain equally). */
  readonly seed?: number;
}

export interface ExplainResult extends PredictResult {
  readonly explanations: Explanations;
}
