/**
 * The relative progress hop of DESIGN §4: how far the task moved from state p to state q, as a share of
 * the distance that was left (forward) or of the progress that was held (backward). H ∈ [−1, 1].
 */
export function hop(phiP: number, phiQ: number): number {
  if (phiQ >= phiP) return phiP >= 1 ? 0 : (phiQ - phiP) / (1 - phiP);
  return (phiQ - phiP) / phiP;
}

/** The inverse of `hop`: the potential reached from phiP by a hop h; stays in [0, 1] for h ∈ [−1, 1]. */
export function applyHop(phiP: number, h: number): number {
  return h >= 0 ? phiP + (1 - phiP) * h : phiP + phiP * h;
}

/** Centres of `count` hop bins evenly spaced over [−1, 1] (the model contract's step-wise discretization). */
export function hopBinCenters(count: number): Float64Array {
  if (!Number.isInteger(count) || count < 2) throw new Error(`hop bins must be an integer ≥ 2, got ${count}`);
  const centers = new Float64Array(count);
  for (let i = 0; i < count; i++) centers[i] = -1 + (2 * i) / (count - 1);
  return centers;
}

export interface HopEstimate {
  /** Expected hop under the predicted distribution. */
  readonly value: number;
  /** 1 − standard deviation of the distribution (a bin spread of 0 is full confidence; max std over [−1,1] is 1). */
  readonly confidence: number;
}

/** Softmax over `logits[offset … offset+centers.length)` turned into the expected hop and its confidence. */
export function hopFromLogits(logits: ArrayLike<number>, offset: number, centers: Float64Array): HopEstimate {
  const n = centers.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]);
  let sum = 0;
  let mean = 0;
  let square = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(logits[offset + i] - max);
    sum += w;
    mean += w * centers[i];
    square += w * centers[i] * centers[i];
  }
  mean /= sum;
  const variance = Math.max(0, square / sum - mean * mean);
  return { value: mean, confidence: 1 - Math.min(1, Math.sqrt(variance)) };
}

/** Softmax of `logits[offset … offset+n)` into `out` (reused by the caller). */
export function softmaxInto(logits: ArrayLike<number>, offset: number, out: Float32Array): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < out.length; i++) max = Math.max(max, logits[offset + i]);
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.exp(logits[offset + i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
