import { Writable } from "node:stream";

/** What a backend does with a streamed file: write a chunk, commit it, or drop it. */
export interface CommitSteps {
  write(chunk: Buffer): Promise<void>;
  /** All bytes are written: make the file appear (rename, finish the upload). */
  commit(): Promise<void>;
  /** The writer was destroyed before committing: leave nothing behind. */
  abandon(): Promise<void>;
}

/**
 * A Writable over a backend's steps, so both stores hand the caller the same stream semantics:
 * backpressure per chunk, the file visible only once `finish` fires, nothing left after `destroy`.
 */
export function committingWritable(steps: CommitSteps): Writable {
  let committed = false;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      steps.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      steps.commit().then(() => {
        committed = true;
        callback();
      }, callback);
    },
    destroy(error, callback) {
      if (committed) return callback(error);
      steps.abandon().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}
