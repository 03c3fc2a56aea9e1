// Renders result lines as markdown: a goals summary, one table per suite and
// the CPU profiles of the codec. Used by the root runner for
// docs/benchmarks.md and by the package benches for their own tables.
import { cpus, loadavg, release, totalmem, type } from 'node:os'

/** The machine a run happened on, as printed in the report header. */
export function machineInfo() {
  const cpu = cpus()
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  }
}

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ')
const row = (cells) => `| ${cells.map(cell).join(' | ')} |`

function table(header, rows) {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n')
}

const valueText = (l) =>
  typeof l.value === 'number' && l.unit ? `${l.value} ${l.unit}` : String(l.value)
const verdict = (l) => (l.met === undefined ? '' : `${l.met ? '✅ met' : '❌ not met'}: ${l.by}`)
const isProfile = (l) => l.metric === 'profile'

/** The goals table: every line that carries a goal. */
export function goalsMarkdown(lines) {
  const goals = lines.filter((l) => l.goal !== undefined)
  if (goals.length === 0) return '_No goal was measured in this run._'
  return table(
    ['suite', 'what', 'measured', 'goal', 'result'],
    goals.map((l) => [l.suite, `${l.name}: ${l.metric}`, valueText(l), l.goal, verdict(l)]),
  )
}

/** One table per suite, in the order the suites first appear. */
export function suitesMarkdown(lines) {
  const suites = [...new Set(lines.map((l) => l.suite))]
  return suites
    .map((suite) => {
      const own = lines.filter((l) => l.suite === suite && !isProfile(l))
      const body = table(
        ['name', 'metric', 'value', 'detail', 'goal'],
        own.map((l) => [l.name, l.metric, valueText(l), l.detail ?? '', l.goal ? verdict(l) : '']),
      )
      return `### ${suite}\n\n${body}`
    })
    .join('\n\n')
}

/** The CPU profiles: top functions by self time, one list per profiled case. */
export function profilesMarkdown(lines) {
  return lines
    .filter(isProfile)
    .map((l) => {
      const top = l.profile.map((f) => `${f.selfPct}% ${f.fn}`).join('; ')
      return `- **${l.suite} ${l.name}** (${l.value} ${l.unit}): ${top}`
    })
    .join('\n')
}

/** Prints the suite tables (and profiles, if any) to stdout. */
export function printTable(lines) {
  const profiles = profilesMarkdown(lines)
  process.stdout.write(`\n${suitesMarkdown(lines)}\n`)
  if (profiles !== '') process.stdout.write(`\nSelf time by function:\n${profiles}\n`)
}
