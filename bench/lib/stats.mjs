// Order statistics for benchmark samples. Every function takes plain numbers
// and never mutates its input.

/** The samples sorted ascending (a copy). */
export function sorted(samples) {
  return Float64Array.from(samples).sort()
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of ascending `ordered` samples, nearest-rank:
 * the smallest sample with at least q of all samples at or below it.
 */
export function quantile(ordered, q) {
  if (ordered.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil(q * ordered.length))
  return ordered[Math.min(rank, ordered.length) - 1]
}

/**
 * Median, extremes, p99 and spread of `samples`. `spreadPct` is the median
 * absolute deviation as a percentage of the median: robust to the odd round
 * that another process on a shared machine disturbed, unlike max − min.
 */
export function summarize(samples) {
  const ordered = sorted(samples)
  const median = quantile(ordered, 0.5)
  const deviations = sorted(ordered.map((x) => Math.abs(x - median)))
  return {
    count: ordered.length,
    median,
    min: ordered[0] ?? Number.NaN,
    max: ordered[ordered.length - 1] ?? Number.NaN,
    p50: median,
    p99: quantile(ordered, 0.99),
    spreadPct: median > 0 ? (quantile(deviations, 0.5) / median) * 100 : 0,
  }
}

/** Rounds to `digits` significant digits, for printing (keeps integers ≥ 10^digits whole). */
export function round(value, digits = 3) {
  if (!Number.isFinite(value) || value === 0) return value
  const magnitude = Math.floor(Math.log10(Math.abs(value)))
  const decimals = Math.max(0, digits - 1 - magnitude)
  return Number(value.toFixed(Math.min(decimals, 6)))
}
