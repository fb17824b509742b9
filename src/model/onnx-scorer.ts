import { env, InferenceSession, Tensor } from "onnxruntime-node";
import { ArtifactError, describeError } from "../errors.js";
import type { Scorer } from "./scorer.js";

export interface OnnxScorerOptions {
  /** Graph input holding the preprocessed float32 matrix. */
  readonly input: string;
  /** Graph output with the prediction (probability or value). */
  readonly output: string;
  /** Column to read when the output is 2-D (a classifier's class probabilities); null when 1-D. */
  readonly outputColumn: number | null;
  readonly width: number;
  readonly threads: number;
}

/**
 * ONNX Runtime's C++ logger writes plain text to stderr, and onnxruntime-node offers no way to
 * route it (no custom logging function), which would break "every log line is JSON" for Cloud
 * Logging. Only fatal messages are let through: what ONNX Runtime reports as an error or a warning
 * while loading or running a model also comes back as the rejected promise, which the service logs
 * as JSON; what it only warns about (e.g. an unused initializer) does not change the scores.
 */
const ORT_LOG_LEVEL = "fatal";
const ORT_LOG_SEVERITY = 4; // the session option's scale: 0 verbose … 4 fatal

/**
 * One ONNX Runtime session over a preprocessed float32 matrix. A whole request is one `run`:
 * per-call overhead dominates for tabular models, so batching rows into one tensor is what makes
 * 100-lead requests cheap.
 */
export class OnnxScorer implements Scorer {
  readonly kind = "onnx";

  private constructor(
    private readonly session: InferenceSession,
    private readonly options: OnnxScorerOptions,
  ) {}

  static async create(bytes: Uint8Array, options: OnnxScorerOptions): Promise<OnnxScorer> {
    let session: InferenceSession;
    // Read once, when the first session creates ONNX Runtime's environment.
    env.logLevel = ORT_LOG_LEVEL;
    try {
      session = await InferenceSession.create(bytes, {
        logSeverityLevel: ORT_LOG_SEVERITY,
        executionProviders: ["cpu"],
        graphOptimizationLevel: "all",
        // Requests are small and many: parallelism comes from concurrent requests, not from
        // splitting one tiny tree walk across threads.
        intraOpNumThreads: options.threads,
        interOpNumThreads: 1,
      });
    } catch (error) {
      throw new ArtifactError(`model.onnx cannot be loaded: ${describeError(error)}`, {
        cause: error,
      });
    }
    const scorer = new OnnxScorer(session, options);
    scorer.checkSignature();
    return scorer;
  }

  /** Scores `rows` rows of `features` (row-major, `rows × width`); one value per row. */
  async score(features: Float32Array, rows: number): Promise<Float32Array> {
    const input = new Tensor("float32", features, [rows, this.options.width]);
    const result = await this.session.run({ [this.options.input]: input }, [this.options.output]);
    const output = result[this.options.output];
    if (output === undefined) throw new Error(`ONNX output "${this.options.output}" missing`);
    const data = output.data as Float32Array;
    const column = this.options.outputColumn;
    if (column === null) return data;
    const stride = output.dims[1] ?? 1;
    const values = new Float32Array(rows);
    for (let row = 0; row < rows; row++) values[row] = data[row * stride + column] ?? Number.NaN;
    return values;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private checkSignature(): void {
    const { input, output } = this.options;
    if (!this.session.inputNames.includes(input)) {
      throw new ArtifactError(
        `model.onnx has no input "${input}" (inputs: ${this.session.inputNames.join(", ")})`,
      );
    }
    if (!this.session.outputNames.includes(output)) {
      throw new ArtifactError(
        `model.onnx has no output "${output}" (outputs: ${this.session.outputNames.join(", ")})`,
      );
    }
  }
}
