import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { pipeline as pipe, Transform, type Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import type { DataPlane } from "../../dataplane/dataplane.js";
import type { ArtifactStore } from "../../storage/store.js";
import { batchSlice, inputRows, type InputBatch, type InputFormat } from "./input-rows.js";
import { errorLines, outputFormat } from "./output-records.js";
import type { ProgressReporter, RunCounts } from "./progress.js";
import { scoreChunk, type ScoredChunk } from "./score-chunk.js";
import type { Shard } from "./shard.js";

/** A file in a store. */
export interface StoredFile {
  readonly store: ArtifactStore;
  readonly name: string;
}

export interface BatchJob {
  readonly dataPlane: DataPlane;
  readonly input: StoredFile;
  readonly format: InputFormat;
  /** Created only when complete, and only if absent: its existence marks the shard done. */
  readonly output: StoredFile;
  /** Written (replaced) before the output, so a complete output always has its errors file. */
  readonly errors: StoredFile;
  readonly shard: Shard;
  /** With K > 0, each scored row carries its K largest attributions. */
  readonly explainTopK: number;
  /** Rows per data plane call; at most the data plane's batch limit. */
  readonly chunkSize: number;
  readonly progress: (totalBytes: number) => ProgressReporter;
  /** Aborts the run (SIGTERM): nothing is left under the output names. */
  readonly signal?: AbortSignal;
}

/** A finished run's counts and how long it took from opening the input to committing. */
export interface BatchResult extends RunCounts {
  readonly seconds: number;
  /**
   * CPU time (user + system) of the process over the same span: steadier than `seconds` on a
   * shared machine, and what "leads per second on one core" is about.
   */
  readonly cpuSeconds: number;
}

/**
 * Streams the input through the data plane in chunks and the results into the output and errors
 * files, with backpressure end to end: memory holds one chunk, whatever the input's size. Either
 * both files appear complete, errors first, or (on any failure) neither is written.
 */
export async function runBatch(job: BatchJob): Promise<BatchResult> {
  const { dataPlane, shard, explainTopK } = job;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const model = dataPlane.model();
  const source = await job.input.store.openRead(job.input.name);
  const counts = { read: 0, scored: 0, failed: 0, bytesRead: 0 };
  const counted = pipe(
    source.stream,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        counts.bytesRead += chunk.length;
        callback(null, chunk);
      },
    }),
    () => undefined, // a read error reaches the row iterator through the destroyed transform
  );
  const fields = { fields: model.fields, idField: dataPlane.idField };
  const format = outputFormat(job.output.name, dataPlane.idField, explainTopK);
  const output = job.output.store.openWrite(job.output.name, { exclusive: true });
  const errors = job.errors.store.openWrite(job.errors.name, { exclusive: false });
  const outputText = gathered(output);
  const errorsText = gathered(errors);
  const progress = job.progress(source.size);
  let complete = false;
  try {
    await write(output, format.header);
    await pipeline(
      inputRows(counted, job.format, fields, shard),
      // Each batch is scored as it comes (in chunks of at most chunkSize): rows held back to
      // fill a chunk would only live longer.
      async function* (batches: AsyncIterable<InputBatch>): AsyncIterable<ScoredChunk> {
        for await (const batch of batches) {
          for (let at = 0; at < batch.rows.length; at += job.chunkSize) {
            const chunk = batchSlice(batch, at, at + job.chunkSize);
            yield await scoreChunk(dataPlane, chunk, explainTopK);
          }
        }
      },
      async (chunks: AsyncIterable<ScoredChunk>) => {
        for await (const { scored, failed } of chunks) {
          counts.read += scored.length + failed.length;
          counts.scored += scored.length;
          counts.failed += failed.length;
          await outputText.add(format.lines(scored));
          await errorsText.add(errorLines(failed, dataPlane.idField));
          progress.update(counts);
        }
      },
      ...(job.signal === undefined ? [] : [{ signal: job.signal }]),
    );
    await errorsText.flush();
    await outputText.flush();
    await close(errors);
    await close(output);
    complete = true;
  } catch (error) {
    source.stream.destroy();
    errors.destroy();
    output.destroy();
    throw error;
  } finally {
    progress.stop(counts, complete);
  }
  const cpu = process.cpuUsage(cpuStarted);
  return {
    ...counts,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * Text gathered into writes of at least WRITE_CHARS: each write is a file write (or an upload
 * chunk) of its own, and one per chunk of ~100 rows cost more than writing them.
 */
const WRITE_CHARS = 64 * 1024;

function gathered(file: Writable) {
  let text = "";
  const flush = async () => {
    const all = text;
    text = "";
    await write(file, all);
  };
  return {
    add: async (more: string) => {
      text += more;
      if (text.length >= WRITE_CHARS) await flush();
    },
    flush,
  };
}

/** Writes `text`, waiting while the file's buffer is full (backpressure). */
async function write(file: Writable, text: string): Promise<void> {
  if (text !== "" && !file.write(text)) await once(file, "drain");
}

async function close(file: Writable): Promise<void> {
  file.end();
  await finished(file);
}
