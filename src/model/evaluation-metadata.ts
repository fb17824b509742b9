import { Type, type Static } from "typebox";

/**
 * metadata.json's evaluation records that the service reads (pipeline/README.md, "Model
 * quality"; docs/artifacts.md): the held-out sales view (`ranking`) and the fold metrics
 * (`cross_validation`). Both are optional and null where the pipeline had none (a regression, or
 * `--eval-repeats 0`); only the parts read here are checked, the rest passes through.
 */

/** pipeline/ranking.py's `held_out_ranking`: capture/precision/lift at k % and the gains curve. */
export const RankingSchema = Type.Object({
  held_out: Type.Record(Type.String(), Type.Number()),
  gains_curve: Type.Object({
    fraction_of_leads: Type.Array(Type.Number()),
    capture: Type.Array(Type.Number()),
  }),
});
export type TrainingRanking = Static<typeof RankingSchema>;

/** pipeline/cross_validate.py's summary: each metric's mean and sd over folds × repeats. */
export const CrossValidationSchema = Type.Object({
  folds: Type.Integer({ minimum: 2 }),
  repeats: Type.Integer({ minimum: 1 }),
  metrics: Type.Record(Type.String(), Type.Object({ mean: Type.Number(), sd: Type.Number() })),
});
export type CrossValidation = Static<typeof CrossValidationSchema>;
