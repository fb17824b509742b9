/** Exit codes of the CLI: scripts branch on "promoted" vs "kept existing" vs failure. */
export const EXIT = {
  /** Done; for publish --promote-if-better: published and promoted. */
  ok: 0,
  /** Something failed (storage, verification, conflict). */
  error: 1,
  /** The command line was wrong. */
  usage: 2,
  /** publish --promote-if-better: published, but production kept its version. */
  keptExisting: 3,
  /** monitor: a drift or quality threshold was crossed (a retraining trigger acts on it). */
  alert: 3,
  /** publish --promote-if-better: published, but the alias changed while deciding; not promoted. */
  conflict: 4,
} as const;
