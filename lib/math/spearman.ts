// Rank correlation is used by the reward-model evaluation and by the main job's summary (progress vs
// truth), so it lives below both.

/** Ranks with ties sharing their average rank (Spearman's definition). */
function averageRanks(values: readonly number[]): Float64Array {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2;
    i = j + 1;
  }
  return ranks;
}

/** Spearman rank correlation of two equally long sequences; 0 when either is constant or shorter than 2. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`spearman: sequences of ${a.length} and ${b.length} values`);
  if (a.some((x) => !Number.isFinite(x)) || b.some((x) => !Number.isFinite(x))) {
    throw new Error("spearman: sequences must be finite numbers");
  }
  const n = a.length;
  if (n < 2) return 0;
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (ra[i] - ma) * (rb[i] - mb);
    va += (ra[i] - ma) ** 2;
    vb += (rb[i] - mb) ** 2;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}
