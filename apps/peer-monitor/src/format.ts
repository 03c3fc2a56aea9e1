/**
 * A duration in words for people: "just now", "45 seconds", "1 minute",
 * "3 hours", "2 days" (the largest whole unit, rounded down).
 *
 * Self-contained on purpose: the dashboard page embeds this very function's
 * source, so the CLI and the browser word durations the same way.
 */
export function humanDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ]
  if (!(ms >= 1000)) return 'just now'
  for (const [name, size] of units) {
    const n = Math.floor(ms / size)
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'}`
  }
  return 'just now'
}
