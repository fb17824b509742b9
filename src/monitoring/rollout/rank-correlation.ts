/**
 * Spearman's rank correlation: Pearson's correlation of the ranks, ties sharing their average
 * rank (scipy.stats.spearmanr's definition). NaN when either side is constant (no ranking).
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return Number.NaN;
  return pearson(ranks(a, n), ranks(b, n));
}

/** 1-based ranks of the first `n` values, ties given their average rank. */
export function ranks(values: ArrayLike<number>, n = values.length): Float64Array {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x]! - values[y]!);
  const result = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + end + 1) / 2; // average of the 1-based ranks start+1 .. end
    for (let i = start; i < end; i++) result[order[i]!] = rank;
    start = end;
  }
  return result;
}

function pearson(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]! / n;
    meanY += y[i]! / n;
  }
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    covariance += dx * dy;
    varianceX += dx * dx;
    varianceY += dy * dy;
  }
  if (varianceX === 0 || varianceY === 0) return Number.NaN;
  return covariance / Math.sqrt(varianceX * varianceY);
}
