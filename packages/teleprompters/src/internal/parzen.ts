import type { Random } from '@varplane/core';

// Abramowitz and Stegun 7.1.26: |error| < 1.5e-7, plenty for kernel weights.
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-x * x));
}

const normalCdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Log density at `x` of a normal(mu, sigma) truncated to [0, 1]. */
export function logTruncatedNormal(x: number, mu: number, sigma: number): number {
  return logTruncatedNormalWith(x, mu, sigma, truncatedNormalNorm(mu, sigma));
}

/**
 * The parts of a truncated normal's log density that do not depend on `x`: log sigma and the
 * log of its mass on [0, 1]. A kernel is evaluated at many points, so they are worked out once.
 */
export function truncatedNormalNorm(mu: number, sigma: number): readonly [number, number] {
  const mass = Math.max(1e-12, normalCdf((1 - mu) / sigma) - normalCdf(-mu / sigma));
  return [Math.log(sigma), Math.log(mass)];
}

/** {@link logTruncatedNormal} with its norm ({@link truncatedNormalNorm}) given. */
export function logTruncatedNormalWith(
  x: number,
  mu: number,
  sigma: number,
  norm: readonly [number, number],
): number {
  const z = (x - mu) / sigma;
  return -0.5 * z * z - LOG_SQRT_2PI - norm[0] - norm[1];
}

/** A draw from a normal(mu, sigma) truncated to [0, 1] (rejection, then a clamp). */
export function sampleTruncatedNormal(mu: number, sigma: number, random: Random): number {
  for (let attempt = 0; attempt < 32; attempt++) {
    const x = mu + sigma * random.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mu));
}

/**
 * Adaptive Parzen bandwidths (Bergstra et al. 2011): each point's sigma is the larger gap to its
 * sorted neighbours, clipped to [minSigma, maxSigma]. Returned in the order of `mus`.
 */
export function parzenBandwidths(
  mus: readonly number[],
  minSigma: number,
  maxSigma: number,
): number[] {
  const order = mus
    .map((mu, index) => ({ mu, index }))
    .sort((a, b) => a.mu - b.mu || a.index - b.index);
  const sigmas = new Array<number>(mus.length);
  for (let i = 0; i < order.length; i++) {
    const here = (order[i] as { mu: number }).mu;
    const left = i > 0 ? here - (order[i - 1] as { mu: number }).mu : 0;
    const right = i < order.length - 1 ? (order[i + 1] as { mu: number }).mu - here : 0;
    const gap = order.length === 1 ? maxSigma : Math.max(left, right);
    sigmas[(order[i] as { index: number }).index] = Math.min(maxSigma, Math.max(minSigma, gap));
  }
  return sigmas;
}

/** log(sum(exp(values))), stable. */
export function logSumExp(values: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) if (value > max) max = value;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (const value of values) sum += Math.exp(value - max);
  return max + Math.log(sum);
}
