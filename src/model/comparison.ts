import { Type, type Static } from "typebox";

/**
 * metadata.json `comparison` (pipeline/paired_comparison.py): the candidate and the version an
 * alias named, scored on the same rows, with a paired bootstrap interval of the difference
 * candidate − production in the primary metric. Absent when nothing was compared (a first
 * version, a folder exported without --promote-if-better, versions from before it existed).
 */
export const ComparisonSchema = Type.Object({
  method: Type.String(),
  metric: Type.String(),
  higher_is_better: Type.Boolean(),
  /** The version it was compared with: a decision against any other one cannot use it. */
  against: Type.Object({ version: Type.String() }),
  candidate: Type.Number(),
  production: Type.Number(),
  difference: Type.Number(),
  /** [low, high] of the difference at `level`. */
  interval: Type.Tuple([Type.Number(), Type.Number()]),
  level: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  /**
   * The improvement the whole interval must clear: the interval covers the evaluation rows'
   * noise, not training's (another seed is another model). Absent = 0.
   */
  margin: Type.Optional(Type.Number({ minimum: 0 })),
  rows: Type.Integer({ minimum: 1 }),
  resamples: Type.Integer({ minimum: 1 }),
  seed: Type.Integer(),
});
export type Comparison = Static<typeof ComparisonSchema>;
