import { performance } from "node:perf_hooks";
import { InvalidInputError, ModelNotFoundError, NotReadyError } from "../errors.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { ModelHolder } from "../lifecycle/model-holder.js";
import type { RolloutPlan } from "../lifecycle/rollout-plan.js";
import { DEFAULT_SHADOW_QUEUE_SIZE, ShadowQueue } from "./shadow-queue.js";
import { explainOptions } from "./explain-options.js";
import { separateIds } from "./instance-ids.js";
import { encodeEach, encodeEachText, type EncodedEach } from "./per-instance.js";
import { checkStringLengths } from "./string-lengths.js";
import { silentObserver, type DataPlaneObserver } from "./observer.js";
import { describeModel, type ModelInfo } from "./model-info.js";
import type {
  ExplainRequest,
  ExplainResult,
  InstanceOutcome,
  ModelTarget,
  PerInstanceResult,
  PredictFeaturesRequest,
  PredictRequest,
  PredictResult,
  PredictTextRequest,
  ScoringInput,
} from "./types.js";

/** What one request may ask for: protocols check these before any work proportional to them. */
export interface DataPlaneLimits {
  /** Most instances one request may carry. */
  readonly maxBatchSize: number;
  /** Longest string value (category) an instance field may carry. */
  readonly maxStringLength: number;
}

export interface DataPlaneOptions {
  /** The instance field that carries the caller's id (not a feature); default `lead_id`. */
  readonly idField?: string;
  /** A rollout's candidate and what share of traffic it gets (canary) or scores (shadow). */
  readonly rollout?: RolloutPlan;
  /** Shadow scorings waiting for the candidate at most; more are dropped and counted. */
  readonly shadowQueueSize?: number;
}

/**
 * Prediction, readiness and model metadata over the current model, for every protocol. It knows
 * no HTTP: protocols decode their wire format into a PredictRequest, call this, and encode the
 * PredictResult. Errors are ServiceErrors that carry their own status.
 */
export class DataPlane {
  private draining = false;
  private readonly infos = new WeakMap<LoadedModel, ModelInfo>();
  /** The instance field taken out as the instance's id before encoding, echoed in results. */
  readonly idField: string;
  private readonly rollout: RolloutPlan | undefined;
  private readonly shadow: ShadowQueue | undefined;

  constructor(
    private readonly holder: ModelHolder,
    readonly limits: DataPlaneLimits,
    private readonly observer: DataPlaneObserver = silentObserver,
    options: DataPlaneOptions = {},
  ) {
    this.idField = options.idField ?? "lead_id";
    this.rollout = options.rollout;
    this.shadow =
      options.rollout === undefined
        ? undefined
        : new ShadowQueue(
            options.rollout.candidate,
            observer,
            options.shadowQueueSize ?? DEFAULT_SHADOW_QUEUE_SIZE,
            (model, input) => this.scoreInput(model, input),
          );
  }

  /** Ready = a model is loaded (and proven against its golden file) and we are not draining. */
  isReady(): boolean {
    return !this.draining && this.holder.current() !== undefined;
  }

  /** Shutdown has begun: readiness fails so the load balancer stops sending traffic. */
  startDraining(): void {
    this.draining = true;
  }

  /** The model a request names (or the served one); 404 for another name or version. */
  model(name?: string, version?: string): ModelInfo {
    const model = this.holder.current();
    if (model === undefined) throw new NotReadyError("no model is loaded yet");
    return this.infoOf(matching(model, name, version));
  }

  /** The version being served now, if any (for documents that follow the model, not requests). */
  servedModel(): ModelInfo | undefined {
    const model = this.holder.current();
    return model === undefined ? undefined : this.infoOf(model);
  }

  predict(request: PredictRequest): Promise<PredictResult> {
    this.checkBatch(request.instances.length);
    const decode = (): ScoringInput => ({
      kind: "instances",
      instances: request.instances,
      threshold: request.threshold,
    });
    return this.scoreRouted(request, decode, this.routingKey(request.instances));
  }

  /**
   * Scores each instance on its own terms: an invalid instance gets its own error (the one a
   * request with only that instance would get) and the others are scored. When none is valid,
   * the answer is the error the whole batch gets without this mode. Monitoring and the
   * prediction log see only the scored instances.
   */
  predictEach(request: PredictRequest): Promise<PerInstanceResult> {
    this.checkBatch(request.instances.length);
    return this.routed(request, this.routingKey(request.instances), async (model) => {
      matching(model, request.model, request.version);
      checkThreshold(model, request.threshold);
      const encoded = encodeEach(model.preprocessor, request.instances, {
        idField: this.idField,
        maxStringLength: this.limits.maxStringLength,
        onUnknownCategory: (field) => this.observer.unknownCategory(model, field),
      });
      if (encoded.rows === 0) throw this.batchError(model, request.instances, encoded);
      return this.scoreEach(model, encoded, request);
    });
  }

  /**
   * predictEach for instances given as rows of text cells (a CSV's rows; see
   * PredictTextRequest): the same checks, encoding and scoring without an object per instance,
   * for batch scoring. When no row is valid, every outcome is its error.
   */
  predictEachText(request: PredictTextRequest): Promise<PerInstanceResult> {
    this.checkBatch(request.rows);
    const key = this.rollout?.canaryFraction ? request.ids?.[0] : undefined;
    return this.routed(request, key, async (model) => {
      matching(model, request.model, request.version);
      checkThreshold(model, request.threshold);
      const options = {
        idField: this.idField,
        maxStringLength: this.limits.maxStringLength,
        onUnknownCategory: (field: string) => this.observer.unknownCategory(model, field),
      };
      const keepInstances = this.observer.scored !== undefined;
      const encoded = encodeEachText(model.preprocessor, request, options, keepInstances);
      return this.scoreEach(model, encoded, request);
    });
  }

  /** Scores the rows that encoded; each instance's outcome is its score or its own error. */
  private async scoreEach(
    model: LoadedModel,
    encoded: EncodedEach,
    target: ModelTarget & { readonly threshold?: number },
  ): Promise<PerInstanceResult> {
    let scores: Float32Array = new Float32Array(0);
    if (encoded.rows > 0) {
      const started = performance.now();
      scores = await model.predictFeatures(encoded.features, encoded.rows);
      this.observer.inference(model, scores.length, (performance.now() - started) / 1000);
    }
    const { labels } = resultOf(model, scores, target.threshold);
    if (encoded.rows > 0 && this.observer.scored !== undefined) {
      const input: ScoringInput = {
        kind: "instances",
        instances: encoded.scored,
        threshold: target.threshold,
      };
      const ids = encoded.scoredIds;
      this.observer.scored({ model, input, scores, labels, ids, context: target.context });
    }
    return {
      model: model.name,
      version: model.version,
      task: model.task,
      outcomes: outcomesOf(encoded, scores, labels),
      ...(encoded.ids === undefined ? {} : { ids: encoded.ids }),
    };
  }

  predictFeatures(request: PredictFeaturesRequest): Promise<PredictResult> {
    this.checkBatch(request.rows);
    return this.score(request, () => ({ kind: "features", ...request }));
  }

  /**
   * Decodes and scores under one lease: `decode` sees the ModelInfo of exactly the version that
   * will score, so a swap (or a schema change) in between cannot decode with one version and
   * score with the next. Wire formats whose decoding depends on the model (V2) use this.
   */
  score(target: ModelTarget, decode: (info: ModelInfo) => ScoringInput): Promise<PredictResult> {
    return this.scoreRouted(target, decode, undefined);
  }

  /** score(), routed by `key` (the lead id) when a canary is on, shadowed when a shadow is. */
  private scoreRouted(
    target: ModelTarget,
    decode: (info: ModelInfo) => ScoringInput,
    key: string | undefined,
  ): Promise<PredictResult> {
    return this.routed(target, key, async (model) => {
      matching(model, target.model, target.version);
      const decoded = decode(this.infoOf(model));
      this.checkBatch(decoded.kind === "instances" ? decoded.instances.length : decoded.rows);
      checkThreshold(model, decoded.threshold);
      const { input, ids } = this.withoutIds(decoded);
      const started = performance.now();
      const scores = await this.scoreInput(model, input);
      this.observer.inference(model, scores.length, (performance.now() - started) / 1000);
      const result = resultOf(model, scores, input.threshold, ids);
      const { labels } = result;
      const batch = { model, input, scores, labels, ids, context: target.context };
      this.observer.scored?.(batch);
      const shadow = this.rollout?.shadowSampling ?? 0;
      // Never awaited: the candidate scores the same input later, after the response is sent.
      if (shadow > 0 && model === this.holder.current() && Math.random() < shadow) {
        this.shadow?.offer(batch);
      }
      return result;
    });
  }

  /**
   * Runs `task` under a lease on the version that answers: the candidate for the canary's share
   * (by `key` when the request has one, so a lead keeps its version), production otherwise. A
   * request for a version by number goes to the holder serving it. A candidate that fails (or
   * is gone) hands the request to production, counted: a canary never fails a request that
   * production would answer.
   */
  private routed<T>(
    target: ModelTarget,
    key: string | undefined,
    task: (model: LoadedModel) => Promise<T>,
  ): Promise<T> {
    const rollout = this.rollout;
    if (rollout === undefined) return this.holder.use(task);
    const candidate = rollout.candidate.current();
    const toCandidate =
      target.version === undefined
        ? rollout.routesToCandidate(key)
        : candidate?.version === target.version && candidate !== this.holder.current();
    if (!toCandidate || candidate === undefined) return this.holder.use(task);
    return rollout.candidate.use(task).catch(async (error: unknown) => {
      if (target.version !== undefined) throw error;
      // If production refuses it too, the request was at fault, not the candidate: not counted.
      const answer = await this.holder.use(task);
      this.observer.candidateFallback?.(candidate, error);
      return answer;
    });
  }

  /** The first instance's lead id: what a canary routes a request by (undefined: random). */
  private routingKey(instances: readonly unknown[]): string | undefined {
    if (this.rollout === undefined || this.rollout.canaryFraction === 0) return undefined;
    const first = instances[0];
    if (typeof first !== "object" || first === null) return undefined;
    const id = (first as Record<string, unknown>)[this.idField];
    return typeof id === "string" ? id : undefined;
  }

  /** Attributions per raw field for each instance, with the predictions predict() would give. */
  explain(request: ExplainRequest): Promise<ExplainResult> {
    this.checkBatch(request.instances.length);
    return this.holder.use(async (model) => {
      matching(model, request.model, request.version);
      checkThreshold(model, request.threshold);
      const options = explainOptions(model, request);
      checkStringLengths(request.instances, this.limits.maxStringLength);
      const { instances, ids } = separateIds(request.instances, this.idField);
      const started = performance.now();
      const explanations = await model.explain(instances, options, (field) =>
        this.observer.unknownCategory(model, field),
      );
      this.observer.explanation(model, options.method, (performance.now() - started) / 1000);
      const result = resultOf(model, explanations.scores, request.threshold, ids);
      const input: ScoringInput = { kind: "instances", instances, threshold: request.threshold };
      const { scores, labels } = result;
      this.observer.scored?.({ model, input, scores, labels, ids, context: request.context });
      return { ...result, explanations };
    });
  }

  /**
   * The error a batch in which no instance is valid gets without results per instance: the
   * checks of the all-or-nothing path, in its order, without scoring.
   */
  private batchError(
    model: LoadedModel,
    instances: readonly unknown[],
    encoded: EncodedEach,
  ): InvalidInputError {
    try {
      checkStringLengths(instances, this.limits.maxStringLength);
      model.preprocessor.encode(separateIds(instances, this.idField).instances);
    } catch (error) {
      if (error instanceof InvalidInputError) return error;
      throw error;
    }
    // Unreachable while both paths run the same checks; the first instance's own error then.
    return (
      encoded.errors.find((error) => error !== undefined) ??
      new InvalidInputError("no valid instance")
    );
  }

  /** Raw instances lose their id field here, before the preprocessor sees them. */
  private withoutIds(input: ScoringInput): {
    input: ScoringInput;
    ids?: readonly (string | undefined)[];
  } {
    if (input.kind !== "instances") return { input };
    checkStringLengths(input.instances, this.limits.maxStringLength);
    const { instances, ids } = separateIds(input.instances, this.idField);
    return { input: { ...input, instances }, ids };
  }

  private scoreInput(model: LoadedModel, input: ScoringInput): Promise<Float32Array> {
    if (input.kind === "instances") {
      return model.predict(input.instances, (field) => this.observer.unknownCategory(model, field));
    }
    if (input.features.length !== input.rows * model.width) {
      throw new InvalidInputError(
        `expected ${model.width} preprocessed features per row, got ${input.features.length} values for ${input.rows} rows`,
      );
    }
    return model.predictFeatures(input.features, input.rows);
  }

  /** Computed once per loaded version: protocols ask for it on every request. */
  private infoOf(model: LoadedModel): ModelInfo {
    let info = this.infos.get(model);
    if (info === undefined) {
      info = describeModel(model);
      this.infos.set(model, info);
    }
    return info;
  }

  private checkBatch(size: number): void {
    if (size === 0) throw new InvalidInputError("instances is empty; send at least one instance");
    if (size > this.limits.maxBatchSize) {
      throw new InvalidInputError(
        `instances has ${size} entries; at most ${this.limits.maxBatchSize} are allowed per request`,
      );
    }
  }
}

/** A threshold (for labels) applies to binary models only. */
function checkThreshold(model: LoadedModel, threshold: number | undefined): void {
  if (threshold !== undefined && model.task !== "binary") {
    throw new InvalidInputError("threshold applies to binary models only");
  }
}

function resultOf(
  model: LoadedModel,
  scores: Float32Array,
  threshold?: number,
  ids?: readonly (string | undefined)[],
): PredictResult {
  const result: PredictResult = {
    model: model.name,
    version: model.version,
    task: model.task,
    scores,
    ...(ids === undefined ? {} : { ids }),
  };
  return threshold === undefined ? result : { ...result, labels: labelsAt(scores, threshold) };
}

/** Checks a request's model name and version against the model that will answer it. */
function matching(model: LoadedModel, name?: string, version?: string): LoadedModel {
  if (name !== undefined && name !== model.name) {
    throw new ModelNotFoundError(
      `model "${name}" is not served here; this service serves "${model.name}"`,
    );
  }
  if (version !== undefined && version !== model.version) {
    throw new ModelNotFoundError(
      `version "${version}" of model "${model.name}" is not served here; serving ${model.version}`,
    );
  }
  return model;
}

function outcomesOf(
  encoded: EncodedEach,
  scores: Float32Array,
  labels: Uint8Array | undefined,
): InstanceOutcome[] {
  return Array.from(encoded.slots, (row, i): InstanceOutcome => {
    if (row < 0) return { error: encoded.errors[i] ?? new InvalidInputError("not scored") };
    const score = scores[row] ?? Number.NaN;
    return labels === undefined ? { score } : { score, label: labels[row] ?? 0 };
  });
}

function labelsAt(scores: Float32Array, threshold: number): Uint8Array {
  return Uint8Array.from(scores, (score) => (score >= threshold ? 1 : 0));
}
