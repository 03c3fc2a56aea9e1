// The one output format of every suite: one JSON object per line on stdout,
// `{suite, name, metric, value, unit, goal?, met?, by?, detail?}`. Human
// progress goes to stderr so the runner can read stdout line by line.
import { round } from './stats.mjs'

/**
 * A goal check. `op` is '<=' (at most `target`) or '>=' (at least `target`).
 * Returns the `goal`, `met` and `by` fields of a result line; `by` says by how
 * much the goal is met or missed, in the goal's unit and as a ratio.
 */
export function goal(value, op, target, unit) {
  const met = op === '<=' ? value <= target : value >= target
  if (!Number.isFinite(value)) {
    return { goal: `${op === '<=' ? '≤' : '≥'} ${target} ${unit}`.trim(), met, by: 'never reached' }
  }
  const amount = (x) => (unit === '' ? `${x}` : unit === '×' ? `${x}×` : `${x} ${unit}`)
  const diff = amount(round(Math.abs(value - target)))
  const ratio = op === '<=' ? value / target : target / value
  const times =
    unit !== '×' && Number.isFinite(ratio) && ratio > 0 ? ` (${round(ratio)}× the goal)` : ''
  return {
    goal: `${op === '<=' ? '≤' : '≥'} ${amount(target)}`,
    met,
    by: met ? `met with ${diff} to spare` : `missed by ${diff}${times}`,
  }
}

/**
 * An emitter for one suite: `emit({name, metric, value, unit, ...})` prints
 * one line (the value rounded to 4 significant digits) and returns it.
 */
export function emitter(suite, out = process.stdout) {
  return (line) => {
    // JSON has no Infinity: a figure that was never reached says so.
    const value =
      typeof line.value !== 'number'
        ? line.value
        : Number.isFinite(line.value)
          ? round(line.value, 4)
          : 'never reached'
    const full = { suite, ...line, value }
    out.write(`${JSON.stringify(full)}\n`)
    return full
  }
}

/** Progress for humans, on stderr. */
export function log(suite, message) {
  process.stderr.write(`[${suite}] ${message}\n`)
}

/** Parses one stdout line of a suite; undefined for anything that is not a result line. */
export function parseResultLine(text) {
  if (!text.startsWith('{')) return undefined
  try {
    const line = JSON.parse(text)
    const ok =
      typeof line.suite === 'string' &&
      typeof line.name === 'string' &&
      typeof line.metric === 'string' &&
      'value' in line
    return ok ? line : undefined
  } catch {
    return undefined
  }
}
