/**
 * Drift statistics between two distributions given as count (or frequency) vectors over the same
 * bins. Pure functions with no service state, so a batch monitoring job can share them. Each
 * vector is normalized to sum 1 first; an all-zero vector has no distribution and gives NaN.
 *
 * The definitions (docs/monitoring.md; shared reference "Drift statistics"):
 * - Jensen–Shannon divergence, log base 2, in [0, 1]: ½·KL(p‖m) + ½·KL(q‖m), m = ½(p + q). It is
 *   the square of scipy.spatial.distance.jensenshannon(p, q, base=2). Vertex AI model monitoring
 *   uses it for numeric features.
 * - L-infinity distance: maxᵢ |pᵢ − qᵢ| (scipy.spatial.distance.chebyshev). Vertex AI uses it for
 *   categorical features.
 * - Population Stability Index: Σᵢ (aᵢ − eᵢ)·ln(aᵢ / eᵢ), natural log, where every share below
 *   PSI_EPSILON is raised to PSI_EPSILON (no renormalization), so an empty bin costs a large but
 *   finite amount instead of infinity.
 */

/** Floor for a bin's share in PSI: an empty bin counts as holding 0.01 % of the instances. */
export const PSI_EPSILON = 1e-4;

function total(counts: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i]!;
  return sum;
}

/** Both vectors' totals, or undefined when either is all zeros (no distribution to compare). */
function totals(p: ArrayLike<number>, q: ArrayLike<number>): [number, number] | undefined {
  if (p.length !== q.length) {
    throw new RangeError(`distributions over different bins: ${p.length} vs ${q.length}`);
  }
  const sp = total(p);
  const sq = total(q);
  return sp > 0 && sq > 0 ? [sp, sq] : undefined;
}

/** Jensen–Shannon divergence in bits (base 2), in [0, 1]. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const t = totals(p, q);
  if (t === undefined) return Number.NaN;
  const [sp, sq] = t;
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    if (a > 0) sum += a * Math.log2(a / m);
    if (b > 0) sum += b * Math.log2(b / m);
  }
  // Rounding can leave -1e-17 for identical distributions; the divergence is never negative.
  return Math.max(0, sum / 2);
}

/** Largest difference between the two shares of any one bin. */
export function lInfinity(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const t = totals(p, q);
  if (t === undefined) return Number.NaN;
  const [sp, sq] = t;
  let max = 0;
  for (let i = 0; i < p.length; i++) max = Math.max(max, Math.abs(p[i]! / sp - q[i]! / sq));
  return max;
}

/** Population Stability Index of `actual` against `expected`, with PSI_EPSILON for empty bins. */
export function psi(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  const t = totals(actual, expected);
  if (t === undefined) return Number.NaN;
  const [sa, se] = t;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = Math.max(actual[i]! / sa, PSI_EPSILON);
    const e = Math.max(expected[i]! / se, PSI_EPSILON);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}
