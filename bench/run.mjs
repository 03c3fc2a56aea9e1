// `pnpm bench`: builds the workspace, then runs every benchmark suite one
// after another (the jitter soak alone runs in the background, since it
// mostly waits), collects their JSON result lines, prints them and a
// markdown table, and writes docs/benchmarks.md.
//
// Usage: node bench/run.mjs [suite...] [--quick] [--only=codec,gossip,...] [--no-build] [--write]
//                            [--profile] [--baseline=DIR]
//   suite...    run only these suites; a name also picks its variants (gossip: gossip, gossip-devnet)
//   --quick     every workload shrunk to fit about 2 minutes
//   --only      run only these suites (codec, registry, gossip, gossip-devnet, discovery,
//               failure, memory, grpc, soak, scale)
//   --no-build  skip `turbo run build`
//   --write     write docs/benchmarks.md, which only a full run of every suite does by itself
//   --profile   gossip suites: CPU profiles of the validators over the 100 votes/s trial,
//               self time by package and function (the rate searches are skipped)
//   --baseline  gossip (p2p) suite: the 100 votes/s trial first with the workers of another
//               built checkout at DIR, for before/after figures in one run
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { runChild } from './lib/child.mjs'
import { benchmarksDocument } from './lib/document.mjs'
import { parseResultLine } from './lib/emit.mjs'
import { machineInfo, printTable } from './lib/report.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const minute = 60_000
const p2pSuite = (name) => ({
  cwd: `${root}packages/p2p`,
  script: 'bench/run.js',
  args: [`--suite=${name}`],
})

/** Every suite: where it runs, and its deadline (full, quick). */
const SUITES = {
  codec: {
    cwd: root,
    script: 'bench/suites/codec.mjs',
    args: [],
    timeoutMs: [8 * minute, 2 * minute],
  },
  gossip: { ...p2pSuite('gossip'), timeoutMs: [10 * minute, 3 * minute], flags: true },
  'gossip-devnet': {
    cwd: root,
    script: 'bench/suites/gossip-devnet.mjs',
    args: [],
    timeoutMs: [7 * minute, 2 * minute],
    flags: true,
  },
  discovery: { ...p2pSuite('discovery'), timeoutMs: [4 * minute, 1 * minute] },
  failure: { ...p2pSuite('failure'), timeoutMs: [4 * minute, 2 * minute] },
  memory: { ...p2pSuite('memory'), timeoutMs: [5 * minute, 2 * minute] },
  scale: { ...p2pSuite('scale'), timeoutMs: [25 * minute, 4 * minute] },
  registry: {
    cwd: root,
    script: 'bench/suites/registry.mjs',
    args: [],
    timeoutMs: [5 * minute, 1 * minute],
  },
  grpc: {
    cwd: root,
    script: 'bench/suites/grpc.mjs',
    args: [],
    timeoutMs: [4 * minute, 2 * minute],
  },
}
const BACKGROUND = { soak: { ...p2pSuite('soak'), timeoutMs: [14 * minute, 2 * minute] } }

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const named = argv.filter((a) => !a.startsWith('--'))
const wanted = (name) =>
  (only === undefined || only.includes(name)) &&
  (named.length === 0 || named.some((n) => name === n || name.startsWith(`${n}-`)))
const unknown = [...(only ?? []), ...named].filter((n) => !(n in SUITES) && !(n in BACKGROUND))
/** Flags for the suites that take them (`flags: true`). */
const suiteFlags = argv.filter((a) => a === '--profile' || a.startsWith('--baseline='))
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite ${unknown.join(', ')}\n`)
  process.exit(2)
}

const lines = []
const failures = []
const startedAt = Date.now()
const loadAtStart = loadavg()

/** The root `build` script (turbo), through pnpm: turbo needs pnpm on the PATH to find the workspace. */
function build() {
  process.stderr.write('bench: pnpm run build\n')
  const pnpm = process.env.npm_execpath ?? ''
  // Under `pnpm bench`, npm_execpath is pnpm itself: a script or a native binary.
  const viaPnpm = /\.[cm]?js$/.test(pnpm) ? [process.execPath, [pnpm]] : [pnpm, []]
  const [command, prefix] = pnpm.includes('pnpm') ? viaPnpm : ['npx', ['-y', 'pnpm@12.4.2']]
  const args = [...prefix, 'run', 'build']
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  })
  if (result.status !== 0) {
    process.stderr.write('bench: the build failed\n')
    process.exit(1)
  }
}

/** Runs one suite to the end; its result lines are printed and kept. */
async function runSuite(name, suite) {
  process.stderr.write(`bench: ${name}\n`)
  const args = [
    suite.script,
    ...suite.args,
    ...(suite.flags ? suiteFlags : []),
    '--lines-only',
    ...(quick ? ['--quick'] : []),
  ]
  try {
    const { code, timedOut } = await runChild(process.execPath, args, {
      cwd: suite.cwd,
      timeoutMs: suite.timeoutMs[quick ? 1 : 0],
      onLine: (text) => {
        const line = parseResultLine(text)
        if (line === undefined) return
        lines.push(line)
        process.stdout.write(`${text}\n`)
      },
    })
    if (timedOut)
      failures.push(`${name}: no result within ${suite.timeoutMs[quick ? 1 : 0] / minute} min`)
    else if (code !== 0) failures.push(`${name}: exited with ${code}`)
  } catch (err) {
    failures.push(`${name}: ${err.message}`)
  }
}

if (!argv.includes('--no-build')) build()
const background = Object.entries(BACKGROUND)
  .filter(([name]) => wanted(name))
  .map(([name, suite]) => runSuite(name, suite))
for (const [name, suite] of Object.entries(SUITES)) {
  if (wanted(name)) await runSuite(name, suite)
}
await Promise.all(background)

printTable(lines)
if (failures.length > 0) process.stderr.write(`bench: did not finish: ${failures.join('; ')}\n`)
// Only a full run of every suite rewrites the page by itself: a partial one would drop the rest.
const everySuite = only === undefined && named.length === 0 && suiteFlags.length === 0
if ((!quick && everySuite) || argv.includes('--write')) {
  const doc = benchmarksDocument(lines, machineInfo(), {
    quick,
    durationMs: Date.now() - startedAt,
    loadAtStart,
    loadAtEnd: loadavg(),
    failures,
  })
  writeFileSync(`${root}docs/benchmarks.md`, doc)
  process.stderr.write('bench: wrote docs/benchmarks.md\n')
}
process.exit(failures.length === 0 ? 0 : 1)
