// Where the time goes: samples a function under V8's CPU profiler (through
// node:inspector, in this process) and sums self time per function.
import { Session } from 'node:inspector/promises'
import { basename } from 'node:path'

/** The `top` functions by self time while `fn` runs in a loop for `durationMs`. */
export async function profileSelfTime(fn, { durationMs, top = 8 }) {
  const session = new Session()
  session.connect()
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 100 })
    await session.post('Profiler.start')
    const end = performance.now() + durationMs
    let calls = 0
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) fn()
      calls += 100
    }
    const { profile } = await session.post('Profiler.stop')
    return { calls, functions: selfTimeByFunction(profile).slice(0, top) }
  } finally {
    session.disconnect()
  }
}

function selfTimeByFunction(profile) {
  const hits = new Map()
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  let total = 0
  for (const id of profile.samples) {
    const node = byId.get(id)
    if (node == null) continue
    const { functionName, url, lineNumber } = node.callFrame
    const where = url === '' ? '' : ` (${basename(url)}:${lineNumber + 1})`
    const key = `${functionName || '(anonymous)'}${where}`
    hits.set(key, (hits.get(key) ?? 0) + 1)
    total++
  }
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([fn, n]) => ({ fn, selfPct: Math.round((n / total) * 1000) / 10 }))
}
