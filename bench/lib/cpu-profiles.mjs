// Where many processes spent their CPU: reads the V8 CPU profiles
// (`node --cpu-prof`) they wrote into one directory, keeps the samples taken
// inside a time window, and sums self time by package and by function
// across all of them. The window is in µs of the system's monotonic clock,
// the clock V8 stamps its samples with (`process.hrtime.bigint() / 1000n`
// in any process), so start-up and shut-down can be left out.
import { readdir, readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'

/** The monotonic clock of the profiles, in µs. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n)

/** Samples the profiler spends outside JavaScript and native code run for it. */
const NOT_BUSY = new Set(['(idle)', '(program)'])

/** `node_modules/.pnpm/<dir>/node_modules/@scope/name/…` → `@scope/name`; ours by workspace path. */
export function packageOf(url) {
  if (url === '') return '(native)'
  if (url.startsWith('node:')) return 'node'
  const modules = url.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/')
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
  }
  // The benchmark's own code (workers, drivers), not the package it sits in.
  if (/\/(packages\/[^/]+\/)?bench\//.test(url)) return '(bench)'
  const ours = /\/(packages|apps)\/([^/]+)\//.exec(url)
  if (ours !== null) return ours[1] === 'apps' ? ours[2] : `@paraloom/${ours[2]}`
  return basename(url)
}

/** Self time (µs) per call frame of one profile, for samples within [fromUs, toUs]. */
function selfTimes(profile, fromUs, toUs) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const out = new Map()
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]
    // A sample's time is the gap since the previous one.
    const gap = profile.timeDeltas[i + 1] ?? 0
    if (at < fromUs || at > toUs) continue
    const node = byId.get(profile.samples[i])
    if (node !== undefined) out.set(node, (out.get(node) ?? 0) + gap)
  }
  return out
}

/**
 * Sums every `*.cpuprofile` in `dir` over [fromUs, toUs]. Returns the busy
 * µs sampled (everything but idle), and self time by package and by
 * function, largest first, each with its share of busy time.
 */
export async function summarizeProfiles(dir, { fromUs = 0, toUs = Infinity, top = 10 } = {}) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))
  const byPackage = new Map()
  const byFunction = new Map()
  let busyUs = 0
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8'))
    for (const [node, us] of selfTimes(profile, fromUs, toUs)) {
      const { functionName, url, lineNumber } = node.callFrame
      const name = functionName || '(anonymous)'
      if (NOT_BUSY.has(name) && url === '') continue
      busyUs += us
      const pkg = name === '(garbage collector)' ? '(gc)' : packageOf(url)
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us)
      const where = url === '' ? '' : ` ${basename(url)}:${lineNumber + 1}`
      const key = `${name} (${pkg}${where})`
      byFunction.set(key, (byFunction.get(key) ?? 0) + us)
    }
  }
  const ranked = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: pct(us, busyUs) }))
  return {
    processes: files.length,
    busyMs: Math.round(busyUs / 1000),
    packages: ranked(byPackage),
    functions: ranked(byFunction),
  }
}

const pct = (part, whole) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10)

/** The summary as text lines, for a terminal or a markdown list. */
export function profileText(summary) {
  const list = (entries) => entries.map((e) => `  ${e.pct}% ${e.ms} ms ${e.name}`).join('\n')
  return [
    `${summary.busyMs} ms busy over ${summary.processes} processes`,
    'self time by package:',
    list(summary.packages),
    'self time by function:',
    list(summary.functions),
  ].join('\n')
}

/**
 * Prints the summary (stderr) and emits it as `profile` result lines: one by
 * function (the report's "self time by function" list), one by package.
 */
export function emitProfile(emit, name, summary) {
  process.stderr.write(`[profile] ${name}\n${profileText(summary)}\n`)
  const entries = (list) => list.map((e) => ({ selfPct: e.pct, fn: `${e.name}, ${e.ms} ms` }))
  emit({
    name,
    metric: 'profile',
    value: summary.busyMs,
    unit: 'ms busy',
    profile: entries(summary.functions),
  })
  emit({
    name: `${name}, by package`,
    metric: 'profile',
    value: summary.busyMs,
    unit: 'ms busy',
    profile: entries(summary.packages),
  })
}
