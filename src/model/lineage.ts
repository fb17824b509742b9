import { Type, type Static } from "typebox";

/**
 * metadata.json `lineage`, written by `registry publish`: where a published version came from,
 * enough to find its training run, data and code again from the version alone. Versions
 * published before lineage was recorded (and folders never published) have none.
 */
export const LineageSchema = Type.Object({
  /** The version folder that was published (a path or URI as the publisher saw it). */
  source: Type.String(),
  /** The training run (the MLflow run id when the pipeline logged to MLflow), else null. */
  training_run_id: Type.Union([Type.String(), Type.Null()]),
  /** sha256 of the training data, from the folder's `training_data.sha256`, else null. */
  training_data_sha256: Type.Union([Type.String(), Type.Null()]),
  /** The git commit of the code that trained it (the pipeline's), else null. */
  git_commit: Type.Union([Type.String(), Type.Null()]),
  published_at: Type.String(),
  published_by: Type.String(),
});
export type Lineage = Static<typeof LineageSchema>;
