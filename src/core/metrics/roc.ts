/**
 * Receiver operating characteristic of an anomaly score (higher = more
 * anomalous): the curve, the area under it (AUROC, with ties counted as
 * half, i.e. the Mann–Whitney statistic) and a suggested threshold.
 */

export interface RocCurve {
  /** False- and true-positive rates at each distinct threshold, from (0, 0) to (1, 1). */
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** thresholds[i]: flag scores ≥ thresholds[i] as anomalies gives (fpr[i], tpr[i]); the first is +∞. */
  readonly thresholds: Float64Array;
  readonly auroc: number;
  /** The threshold with the largest tpr − fpr (Youden's J), and its rates. */
  readonly suggested: { readonly threshold: number; readonly fpr: number; readonly tpr: number };
  readonly positives: number;
  readonly negatives: number;
}

/**
 * The ROC of `scores` against `anomalous` (1 = anomaly, 0 = normal).
 * @throws RangeError when the lengths differ or one class is absent.
 */
export function rocCurve(scores: ArrayLike<number>, anomalous: ArrayLike<number>): RocCurve {
  const n = scores.length;
  if (anomalous.length !== n) throw new RangeError(`${n} scores but ${anomalous.length} anomaly labels`);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += anomalous[i] ? 1 : 0;
  const negatives = n - positives;
  if (!positives || !negatives) throw new RangeError(`an ROC needs both normal and anomalous examples (${negatives} normal, ${positives} anomalous)`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const fpr = [0], tpr = [0], thresholds = [Infinity];
  let tp = 0, fp = 0, area = 0;
  for (let i = 0; i < n;) {
    const s = scores[order[i]];
    let dtp = 0, dfp = 0;
    // Examples with equal scores move the curve together (a diagonal step: ties count half).
    while (i < n && scores[order[i]] === s) {
      if (anomalous[order[i]]) dtp++;
      else dfp++;
      i++;
    }
    area += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
    fpr.push(fp / negatives);
    tpr.push(tp / positives);
    thresholds.push(s);
  }
  let best = 0;
  for (let i = 1; i < fpr.length; i++) if (tpr[i] - fpr[i] > tpr[best] - fpr[best]) best = i;
  return {
    fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thresholds),
    auroc: area / (positives * negatives),
    suggested: { threshold: thresholds[best], fpr: fpr[best], tpr: tpr[best] },
    positives, negatives,
  };
}
