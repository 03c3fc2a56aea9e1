// A strict reader of the Prometheus text exposition format (0.0.4), enough to
// check that a scrape parses and to read its samples. It throws, naming the
// line, on anything a Prometheus server would refuse.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, … for a histogram family `x`). */
  name: string
  labels: Record<string, string>
  value: number
}

export interface MetricFamily {
  name: string
  type: MetricType
  help: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
/** Sample-name suffixes that belong to the family without them. */
const SUFFIXES: Partial<Record<MetricType, string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
}

export class ExpositionError extends Error {
  static override readonly name: string = 'ExpositionError'
  override readonly name: string = 'ExpositionError'
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`)
  }
}

/** Parses a whole scrape into its families, by name. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>()
  const seen = new Set<string>()
  const lines = text.split('\n')
  if (lines.at(-1) !== '')
    throw new ExpositionError(lines.length, 'the text must end with a newline')
  for (const [i, line] of lines.slice(0, -1).entries()) {
    const n = i + 1
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
      if (m === null) continue // a plain comment
      const [, keyword, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string]
      if (!NAME.test(name)) throw new ExpositionError(n, `bad metric name ${name}`)
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
      if (family.samples.length > 0)
        throw new ExpositionError(n, `${keyword} after samples of ${name}`)
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest)) throw new ExpositionError(n, `unknown type ${rest}`)
        family.type = rest as MetricType
      } else {
        family.help = rest
      }
      families.set(name, family)
      continue
    }
    if (line.trim() === '') continue
    const sample = parseSample(line, n)
    const family = familyOf(families, sample.name)
    if (family === undefined) throw new ExpositionError(n, `${sample.name} has no # TYPE line`)
    const key = `${sample.name}${labelKey(sample.labels)}`
    if (seen.has(key)) throw new ExpositionError(n, `duplicate sample ${line}`)
    seen.add(key)
    family.samples.push(sample)
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family)
  return families
}

/** A label set as a comparable string, without the label `omit`. */
function labelKey(labels: Record<string, string>, omit?: string): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== omit)
      .sort(),
  )
}

function familyOf(
  families: Map<string, MetricFamily>,
  sampleName: string,
): MetricFamily | undefined {
  const exact = families.get(sampleName)
  if (exact !== undefined) return exact
  for (const family of families.values()) {
    for (const suffix of SUFFIXES[family.type] ?? []) {
      if (sampleName === family.name + suffix) return family
    }
  }
  return undefined
}

function parseSample(line: string, n: number): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line)
  if (m === null) throw new ExpositionError(n, `not a sample: ${line}`)
  const [, name, , labelText, valueText] = m as unknown as [string, string, string, string, string]
  return { name, labels: parseLabels(labelText ?? '', n), value: parseValue(valueText, n) }
}

function parseLabels(text: string, n: number): Record<string, string> {
  const labels: Record<string, string> = {}
  let rest = text
  while (rest !== '') {
    const m = /^([^=]+)="((?:[^"\\]|\\["\\n])*)"(,|$)/.exec(rest)
    if (m === null) throw new ExpositionError(n, `bad labels {${text}}`)
    const [whole, name, raw] = m as unknown as [string, string, string]
    if (!LABEL_NAME.test(name)) throw new ExpositionError(n, `bad label name ${name}`)
    if (name in labels) throw new ExpositionError(n, `label ${name} twice`)
    labels[name] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
    rest = rest.slice(whole.length)
  }
  return labels
}

function parseValue(text: string, n: number): number {
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case
  // (prom-client writes `Nan`).
  if (/^nan$/i.test(text)) return Number.NaN
  const inf = /^([+-]?)inf(inity)?$/i.exec(text)
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  const value = Number(text)
  if (text === '' || Number.isNaN(value)) throw new ExpositionError(n, `bad value ${text}`)
  return value
}

/** Buckets are cumulative and end at +Inf, whose count is `_count`, per label set. */
function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: Sample[]; count?: number }>()
  for (const s of family.samples) {
    const key = labelKey(s.labels, 'le')
    const entry = series.get(key) ?? { buckets: [] }
    if (s.name.endsWith('_bucket')) entry.buckets.push(s)
    if (s.name.endsWith('_count')) entry.count = s.value
    series.set(key, entry)
  }
  for (const { buckets, count } of series.values()) {
    const fail = (why: string) => new ExpositionError(0, `histogram ${family.name}: ${why}`)
    const last = buckets.at(-1)
    if (last?.labels.le !== '+Inf') throw fail('no +Inf bucket last')
    if (last.value !== count) throw fail('the +Inf bucket differs from _count')
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i]!.value < buckets[i - 1]!.value) throw fail('buckets are not cumulative')
    }
  }
}

/** The value of the one sample of `family` with exactly these labels, if any. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = labelKey(labels)
  return familyOf(families, name)?.samples.find(
    (s) => s.name === name && labelKey(s.labels) === wanted,
  )?.value
}
