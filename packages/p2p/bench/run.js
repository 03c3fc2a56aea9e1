// Network benchmarks of @paraloom/p2p: real libp2p nodes in separate
// processes on 127.0.0.1. Prints one JSON line per figure (see
// bench/lib/emit.mjs at the repo root) and, unless --lines-only, a markdown
// table. Run after `pnpm build`.
// Usage: node bench/run.js [--quick] [--profile] [--validators=N] [--baseline=DIR] [--suite gossip,discovery,failure,memory,soak,scale] [--lines-only]
import { emitter, log } from '../../../bench/lib/emit.mjs'
import { printTable } from '../../../bench/lib/report.mjs'
import { discoverySuite } from './discovery.js'
import { failureSuite } from './failure.js'
import { gossipSuite } from './gossip.js'
import { memorySuite } from './memory.js'
import { scaleSuite } from './scale.js'
import { soakSuite } from './soak.js'

const SUITES = {
  gossip: gossipSuite,
  discovery: discoverySuite,
  failure: failureSuite,
  memory: memorySuite,
  soak: soakSuite,
  scale: scaleSuite,
}

const args = process.argv.slice(2)
const quick = args.includes('--quick')
// --profile: CPU profiles of the validators during the steady gossip trial (the rate search is skipped)
const profile = args.includes('--profile')
// --validators=N: how many validator processes the gossip suite starts
const validators = Number(args.find((a) => a.startsWith('--validators='))?.slice(13)) || undefined
// --baseline=<dir>: the gossip latency trial also with another built checkout's workers, first
const baseline = args.find((a) => a.startsWith('--baseline='))?.slice('--baseline='.length)
const linesOnly = args.includes('--lines-only')
const suiteArg = args.find((a) => a.startsWith('--suite='))?.slice('--suite='.length)
const chosen = suiteArg === undefined ? Object.keys(SUITES) : suiteArg.split(',')
const unknown = chosen.filter((name) => !(name in SUITES))
if (unknown.length > 0) {
  process.stderr.write(
    `unknown suite ${unknown.join(', ')}; one of ${Object.keys(SUITES).join(', ')}\n`,
  )
  process.exit(2)
}

const lines = []
let failed = false
for (const name of chosen) {
  const print = emitter(name)
  const started = Date.now()
  try {
    await SUITES[name]({
      quick,
      profile,
      validators,
      baseline,
      emit: (line) => lines.push(print(line)),
    })
    log(name, `done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } catch (err) {
    failed = true
    log(name, `failed: ${err.stack ?? err}`)
    lines.push(
      print({ name: 'suite', metric: 'status', value: `failed: ${err.message}`, unit: '' }),
    )
  }
}
if (!linesOnly) printTable(lines)
process.exit(failed ? 1 : 0)
