import { parseArgs } from "node:util";
import { pino } from "pino";
import { loadConfig, type Config } from "../../config.js";
import { DataPlane } from "../../dataplane/dataplane.js";
import { silentObserver } from "../../dataplane/observer.js";
import { ConflictError, NotReadyError } from "../../errors.js";
import { ModelHolder } from "../../lifecycle/model-holder.js";
import { serveConfiguredModel } from "../../lifecycle/model-source.js";
import { loggerOptions } from "../../logging.js";
import type { OpenStoreOptions } from "../../storage/open-store.js";
import { EXIT } from "../exit-codes.js";
import { UsageError } from "../registry-command.js";
import { inputFormat } from "./input-rows.js";
import { fileIn, openFileLocation } from "./location.js";
import { progressReporter } from "./progress.js";
import { runBatch, type BatchResult } from "./run-batch.js";
import { parseShard, shardFileName, WHOLE } from "./shard.js";

export const SCORE_HELP = `Usage: lead-scoring score --input <file> --output <file> [options]

Scores every row of a CSV or JSONL file with the model MODEL_URI names, through the service's own
data plane: each row gets the score (or the error) POST /predict would give it. Streams in
chunks, so memory stays flat whatever the input's size. Output: one record per scored row, with
its row number, id (LEAD_ID_FIELD, default lead_id) and score, as JSONL, or CSV when the output
name ends in .csv. Rows that cannot be scored go to the errors file (JSONL: row, id, error,
code); the summary's counts add up: read = scored + errors. The output is created only once
complete and never overwritten: a shard whose output exists is skipped, so re-running a job
finishes only what is missing.

Environment: the service's (MODEL_URI, LEAD_ID_FIELD, SCORER, MAX_STRING_LENGTH,
GCS_API_ENDPOINT, ...).

Options:
  --input <file|gs://...>    the leads: .csv (a header of field names) or .jsonl/.ndjson
  --output <file|gs://...>   the scores; with --shard, the shard's name carries its number
                             (scores.jsonl -> scores-00003-of-00010.jsonl)
  --errors <file|gs://...>   the rows that could not be scored (default: beside the output,
                             <output name>.errors.jsonl)
  --explain <k>              also the k largest attributions (TreeSHAP, log-odds) per row
  --shard <i/n>              score only the rows whose index modulo n is i (0 ≤ i < n)
  --model-uri <uri>          the model (default: MODEL_URI, as the service reads it)
  --chunk-size <n>           rows per data plane call (default 256, at most MAX_BATCH_SIZE)
  --json                     print the summary as one JSON object
  -h, --help                 this help

Exit codes: 0 complete (or already complete), 1 error (nothing written), 2 usage.`;

type Print = (line: string) => void;

/**
 * Rows per data plane call at most. A chunk's rows live until it is scored and written; 256 of
 * them fit the 4 MB young generation the Job gives Node, so they die young instead of being
 * promoted (measured: ~30 MB less peak RSS and a few % more rows/s than 1000). A CSV piece
 * (PIECE_BYTES) holds ~100 rows of leads, so its chunks are usually smaller still.
 */
const CHUNK_SIZE = 256;

/** Runs `lead-scoring score ...`; returns the exit code. */
export async function runScoreCommand(argv: string[], print: Print): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: "string" },
      output: { type: "string" },
      errors: { type: "string" },
      explain: { type: "string" },
      shard: { type: "string" },
      "model-uri": { type: "string" },
      "chunk-size": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    print(SCORE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.input === undefined) throw new UsageError("--input is required");
  if (values.output === undefined) throw new UsageError("--output is required");
  const format = inputFormat(values.input);
  if (format === undefined) {
    throw new UsageError(`--input must end in .csv, .jsonl or .ndjson; got "${values.input}"`);
  }
  const shard = values.shard === undefined ? WHOLE : parseShard(values.shard);
  const explainTopK = values.explain === undefined ? 0 : count("explain", values.explain);
  const config = loadConfig();
  const chunkSize = Math.min(
    config.maxBatchSize,
    values["chunk-size"] === undefined ? CHUNK_SIZE : count("chunk-size", values["chunk-size"]),
  );
  const storage: OpenStoreOptions = {
    apiEndpoint: config.gcsApiEndpoint,
    retry: { totalTimeoutSeconds: config.modelLoadTimeoutSeconds },
  };
  const input = await openFileLocation("input", values.input, storage);
  const outputAt = await openFileLocation("output", values.output, storage);
  const errorsAt =
    values.errors === undefined
      ? { ...outputAt, name: `${stem(outputAt.name)}.errors.jsonl` }
      : await openFileLocation("errors", values.errors, storage);
  const output = { store: outputAt.store, name: shardFileName(outputAt.name, shard) };
  const errors = { store: errorsAt.store, name: shardFileName(errorsAt.name, shard) };
  const report = reporter(print, values.json, {
    input: values.input,
    output: fileIn(outputAt.folder, output.name),
    errors: fileIn(errorsAt.folder, errors.name),
    shard: `${shard.index}/${shard.count}`,
  });

  if (await output.store.exists(output.name)) {
    report("skipped", undefined);
    return EXIT.ok;
  }
  const modelUri = values["model-uri"] ?? config.modelUri;
  const { dataPlane, close } = await openDataPlane({ ...config, modelUri });
  const stop = new AbortController();
  const onTerm = () => stop.abort(new Error("stopped by SIGTERM: nothing was written"));
  process.once("SIGTERM", onTerm);
  try {
    const counts = await runBatch({
      dataPlane,
      input: { store: input.store, name: input.name },
      format,
      output,
      errors,
      shard,
      explainTopK,
      chunkSize,
      progress: (totalBytes) => progressReporter(totalBytes),
      signal: stop.signal,
    });
    report("complete", { counts, model: dataPlane.model() });
  } catch (error) {
    // The pipeline reports an abort as a bare AbortError; the reason says what happened.
    if (stop.signal.aborted) throw stop.signal.reason;
    // Another run of the same shard finished first: its output is complete, ours is not needed.
    if (!(error instanceof ConflictError)) throw error;
    report("completed by another run", undefined);
  } finally {
    process.off("SIGTERM", onTerm);
    await close();
  }
  return EXIT.ok;
}

/**
 * The model as the service would load it (MODEL_URI semantics: a version directory, a model
 * directory, or `<registry>/<model>@<alias>`), held still for the whole run: an alias is read
 * once, so every row is scored by one version.
 */
async function openDataPlane(config: Config) {
  const holder = new ModelHolder();
  const log = pino(loggerOptions(config.logLevel), pino.destination({ dest: 2, sync: true }));
  const quiet = { modelLoaded: () => undefined, modelLoadFailed: () => undefined };
  const served = await serveConfiguredModel(config, holder, quiet, log);
  await served.stop();
  if (served.model === undefined) {
    throw new NotReadyError(`${config.modelUri} names no version yet: the alias does not exist`);
  }
  const dataPlane = new DataPlane(holder, config, silentObserver, { idField: config.leadIdField });
  return { dataPlane, close: () => holder.close() };
}

interface Finished {
  readonly counts: BatchResult;
  readonly model: { readonly name: string; readonly version: string };
}

/** The summary: a few lines for a person, or one JSON object (--json) for a script. */
function reporter(
  print: Print,
  json: boolean,
  files: { input: string; output: string; errors: string; shard: string },
) {
  return (status: string, run: Finished | undefined) => {
    const counts = run?.counts;
    const summary = {
      status,
      ...files,
      ...(run === undefined ? {} : { model: run.model.name, version: run.model.version }),
      ...(counts === undefined
        ? {}
        : {
            read: counts.read,
            scored: counts.scored,
            errorRows: counts.failed,
            seconds: Math.round(counts.seconds * 1000) / 1000,
            rowsPerSecond: Math.round(counts.read / Math.max(counts.seconds, 1e-3)),
            cpuSeconds: Math.round(counts.cpuSeconds * 1000) / 1000,
            rowsPerCpuSecond: Math.round(counts.read / Math.max(counts.cpuSeconds, 1e-3)),
          }),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    if (json) return print(JSON.stringify(summary));
    if (counts === undefined || run === undefined) {
      return print(`shard ${files.shard}: ${status}; ${files.output} exists`);
    }
    print(
      `shard ${files.shard} of ${files.input} with ${run.model.name} ${run.model.version}: ` +
        `${counts.read} rows read = ${counts.scored} scored + ${counts.failed} errors ` +
        `(${summary.rowsPerSecond} rows/s)`,
    );
    print(`  scores: ${files.output}`);
    print(`  errors: ${files.errors}`);
  };
}

function stem(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A positive integer option, else a usage error naming it. */
function count(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${name} must be a positive integer; got "${text}"`);
  }
  return value;
}
