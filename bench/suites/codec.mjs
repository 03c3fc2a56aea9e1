// The codec suite of `pnpm bench`: Rust bincode 1.3 (bench/rust-bincode,
// built offline from Debian's crates) and packages/codec/bench, alternating
// in passes (3; 1 with --quick) so that both see the same machine; the
// samples of all passes are merged, and each ratio to Rust is the median of
// the per-pass ratios. The Rust program must encode the very bytes our
// encoder writes (FNV-1a digests compared); a mismatch is an error.
// Usage: node bench/suites/codec.mjs [--quick]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { borshGoalLines, OURS, OURS_REUSED, timingLine } from '../../packages/codec/bench/lines.js'
import { fnv1a64, workloads } from '../../packages/codec/bench/workloads.js'
import { runChild } from '../lib/child.mjs'
import { emitter, goal, log, parseResultLine } from '../lib/emit.mjs'
import { round, summarize } from '../lib/stats.mjs'

const SUITE = 'codec'
const RUST = 'Rust bincode 1.3'
/** Goals: decode at least as fast as Rust (time ratio ≤ 1), encode within 1.5× of it. */
const GOALS = { decode: 1, encode: 1.5 }
/** Debian packages whose crates the Rust peer builds from. */
const DEBIAN_CRATES = [
  'librust-bincode-dev',
  'librust-serde-derive-dev',
  'librust-serde-big-array-dev',
  'librust-serde-bytes-dev',
]
const DEBIAN_REGISTRY = '/usr/share/cargo/registry'
const rustDir = fileURLToPath(new URL('../rust-bincode/', import.meta.url))
const codecDir = fileURLToPath(new URL('../../packages/codec/', import.meta.url))

const quick = process.argv.includes('--quick')
/** Rust and JS alternate this many times, each pass timing a share of the rounds. */
const PASSES = quick ? 1 : 3
const ROUNDS_PER_PASS = 5
const emit = emitter(SUITE)
const has = (command) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0

function debianCratesPresent() {
  const crates = existsSync(DEBIAN_REGISTRY) ? readdirSync(DEBIAN_REGISTRY) : []
  return ['bincode-1.3', 'serde_derive-', 'serde-big-array-', 'serde_bytes-'].every((prefix) =>
    crates.some((c) => c.startsWith(prefix)),
  )
}

/** Installs the Debian crates when we may (root with apt-get); true when they are there. */
function ensureDebianCrates() {
  if (debianCratesPresent()) return true
  if (process.getuid?.() !== 0 || !has('apt-get')) return false
  log(SUITE, `installing ${DEBIAN_CRATES.join(' ')} (apt-get)`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  spawnSync('apt-get', ['install', '-y', '-qq', ...DEBIAN_CRATES], { stdio: 'inherit', env })
  return debianCratesPresent()
}

/** Builds the Rust peer and checks its bytes; its binary, or the reason it was skipped. */
function prepareRust() {
  if (!has('cargo')) return { skipped: 'no cargo' }
  if (!ensureDebianCrates()) {
    return { skipped: `Debian crates missing (apt-get install ${DEBIAN_CRATES.join(' ')})` }
  }
  log(SUITE, 'cargo build --release --offline (bench/rust-bincode)')
  execFileSync('cargo', ['build', '--release', '--offline', '--quiet'], {
    cwd: rustDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const binary = `${rustDir}target/release/paraloom-bincode-bench`
  const out = execFileSync(binary, ['--quick', '--rounds=1', '--warmup=0'], { encoding: 'utf8' })
  checkSameBytes(
    out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  )
  return { binary }
}

/** Throws unless Rust encoded every workload to our bytes. */
function checkSameBytes(rustLines) {
  for (const w of workloads()) {
    const rust = rustLines.find((l) => l.workload === w.name && l.fnv1a64 !== undefined)
    const ours = fnv1a64(w.bytes)
    if (rust?.fnv1a64 !== ours || rust.bytes !== w.bytes.length) {
      throw new Error(
        `${w.name}: Rust encodes ${rust?.bytes} bytes (fnv1a64 ${rust?.fnv1a64}), ` +
          `@paraloom/codec ${w.bytes.length} bytes (fnv1a64 ${ours}): not the same layout`,
      )
    }
    emit({
      name: `${w.name} bytes`,
      metric: 'same encoding as Rust',
      value: true,
      unit: '',
      detail: `${w.bytes.length} B, fnv1a64 ${ours}`,
    })
  }
}

/** One Rust pass: its timing lines (the bytes are checked once, before the first pass). */
function rustPass(binary, rounds) {
  const out = execFileSync(binary, [...(quick ? ['--quick'] : []), `--rounds=${rounds}`], {
    encoding: 'utf8',
  })
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.samplesNsPerOp !== undefined)
    .map((l) => timingLine({ ...l, peer: RUST, samples: l.samplesNsPerOp }))
}

/** One pass of packages/codec/bench: its result lines (profiles only when asked). */
async function jsPass(rounds, profile) {
  const lines = []
  const args = ['bench/run.js', '--lines-only', `--rounds=${rounds}`, ...(quick ? ['--quick'] : [])]
  if (!profile) args.push('--no-profile')
  const { code } = await runChild(process.execPath, args, {
    cwd: codecDir,
    timeoutMs: 10 * 60_000,
    onLine: (text) => {
      const line = parseResultLine(text)
      if (line !== undefined) lines.push(line)
    },
  })
  if (code !== 0) throw new Error(`packages/codec/bench/run.js exited with ${code}`)
  return lines
}

/** Every case's samples from all passes, as one timing line per case. */
function merge(passes) {
  const byCase = new Map()
  for (const line of passes.flat().filter((l) => l.samplesNsPerOp !== undefined)) {
    const key = `${line.name}\u0000${line.metric}`
    const merged = byCase.get(key)
    if (merged === undefined) byCase.set(key, { ...line, samples: [...line.samplesNsPerOp] })
    else merged.samples.push(...line.samplesNsPerOp)
  }
  return [...byCase.values()].map((l) => {
    const [workload, op] = l.name.split(' ')
    return timingLine({ workload, op, peer: l.metric, bytes: l.bytes, samples: l.samples })
  })
}

const median = (xs) => summarize(xs).median
const value = (lines, name, metric) =>
  lines.find((l) => l.name === name && l.metric === metric)?.value

const rust = prepareRust()
const rustPasses = []
const jsPasses = []
for (let pass = 0; pass < PASSES; pass++) {
  const last = pass === PASSES - 1
  if (rust.binary !== undefined) rustPasses.push(rustPass(rust.binary, ROUNDS_PER_PASS))
  jsPasses.push(await jsPass(ROUNDS_PER_PASS, last))
  log(SUITE, `pass ${pass + 1} of ${PASSES} done`)
}

if (rust.skipped !== undefined) {
  log(SUITE, `Rust peer skipped: ${rust.skipped}`)
  emit({ name: RUST, metric: 'status', value: `skipped: ${rust.skipped}`, unit: '' })
}
const timings = [...merge(rustPasses), ...merge(jsPasses)]
for (const line of [...timings, ...borshGoalLines(timings)]) emit(line)

// Each pass timed Rust and us back to back: the ratio is taken per pass, then the median.
// The goals are on the default path; the reused-buffer/views path is shown beside it.
for (const name of ['Vote encode', 'Vote decode', 'BlockProposal encode', 'BlockProposal decode']) {
  if (rustPasses.length === 0) break
  for (const peer of [OURS, OURS_REUSED]) {
    const ratios = jsPasses.map((js, i) => value(js, name, peer) / value(rustPasses[i], name, RUST))
    const ratio = median(ratios)
    const op = name.endsWith('decode') ? 'decode' : 'encode'
    emit({
      name:
        peer === OURS
          ? `${name} vs Rust`
          : `${name} vs Rust, ${op === 'encode' ? 'encodeInto' : 'views'}`,
      metric: 'time ratio (ours / Rust)',
      value: ratio,
      unit: '×',
      detail: `median of ${ratios.length} back-to-back passes: ${ratios.map((r) => round(r)).join(', ')}`,
      ...(peer === OURS ? goal(round(ratio), '<=', GOALS[op], '×') : {}),
    })
  }
}
for (const line of jsPasses.at(-1).filter((l) => l.metric === 'profile')) emit(line)
