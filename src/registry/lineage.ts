import type { Lineage } from "../model/lineage.js";

/** What the publisher is told; the rest of the lineage it finds itself. */
export interface LineageInput {
  /** The training run's id (MLflow run id), when there is one. */
  readonly trainingRunId?: string;
  /** The git commit of the training code. */
  readonly gitCommit?: string;
}

/** The lineage of a version published now from `source`, whose raw metadata.json is `raw`. */
export function lineageOf(
  source: string,
  raw: Record<string, unknown>,
  input: LineageInput & { readonly actor: string },
): Lineage {
  const data = raw.training_data;
  const sha256 =
    typeof data === "object" && data !== null && "sha256" in data && typeof data.sha256 === "string"
      ? data.sha256
      : null;
  return {
    source,
    training_run_id: nonEmpty(input.trainingRunId),
    training_data_sha256: sha256,
    git_commit: nonEmpty(input.gitCommit),
    published_at: new Date().toISOString(),
    published_by: input.actor,
  };
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === "" ? null : value.trim();
}
