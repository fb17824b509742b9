import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Bucket, Storage } from "@google-cloud/storage";
import { ApiError } from "@google-cloud/storage";
import { parseGcsUri } from "../../../storage/gcs-uri.js";
import type { LogRecord } from "../record.js";
import type { LogBatch, LogSink } from "../sink.js";

export interface GcsSinkOptions {
  /** gs://bucket/prefix under which the objects go. */
  readonly uri: string;
  /** A client (createStorageClient: no retries of its own, a request timeout). */
  readonly storage: Storage;
  /** This process's name in object names; default HOSTNAME (the pod name), else the host name. */
  readonly pod?: string;
}

/**
 * Newline-delimited JSON objects in Cloud Storage, one object per batch and partition:
 *
 *     <prefix>/predictions/date=YYYY-MM-DD/model=<name>/version=<v>/<pod>-<run>-<time>-<seq>.ndjson
 *     <prefix>/outcomes/date=YYYY-MM-DD/<pod>-<run>-<time>-<seq>.ndjson
 *
 * (Hive-style partitions, so BigQuery external tables and Spark read them as columns.) `<run>`
 * is random per process and `<seq>` counts batches, so replicas and restarts never share a name.
 * Each object is created only if absent: a retried batch rewrites the same names, and an object
 * an earlier attempt already stored answers 412, which means written, so nothing is duplicated.
 */
export class GcsSink implements LogSink {
  readonly name = "gcs";
  private readonly bucket: Bucket;
  private readonly prefix: string;
  private readonly writer: string;

  constructor(options: GcsSinkOptions) {
    const { bucket, prefix } = parseGcsUri(options.uri);
    this.bucket = options.storage.bucket(bucket);
    this.prefix = prefix;
    const pod = options.pod ?? process.env.HOSTNAME ?? hostname();
    this.writer = `${safe(pod)}-${randomBytes(4).toString("hex")}`;
  }

  async write(batch: LogBatch): Promise<void> {
    const objects = new Map<string, string[]>();
    for (const record of batch.records) {
      const name = this.objectName(record, batch);
      const lines = objects.get(name) ?? [];
      lines.push(JSON.stringify(record));
      objects.set(name, lines);
    }
    const writes = [...objects].map(([name, lines]) => this.create(name, `${lines.join("\n")}\n`));
    const failed = (await Promise.allSettled(writes)).find((write) => write.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }

  /** The object a record of `batch` belongs in. */
  objectName(record: LogRecord, batch: LogBatch): string {
    const date = record.time.slice(0, 10);
    const partition =
      record.kind === "prediction"
        ? `predictions/date=${date}/model=${safe(record.model)}/version=${safe(record.model_version)}`
        : `outcomes/date=${date}`;
    const stamp = batch.createdAt.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
    const file = `${this.writer}-${stamp}-${String(batch.seq).padStart(6, "0")}.ndjson`;
    return [this.prefix, partition, file].filter((part) => part !== "").join("/");
  }

  private async create(name: string, text: string): Promise<void> {
    try {
      await this.bucket.file(name).save(text, {
        resumable: false,
        contentType: "application/x-ndjson",
        preconditionOpts: { ifGenerationMatch: 0 },
      });
    } catch (error) {
      // Already there: an earlier attempt of this very batch stored it (names are unique).
      if (error instanceof ApiError && error.code === 412) return;
      throw error;
    }
  }
}

/** A name part that is safe in an object name and a Hive partition value. */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, "_");
}
