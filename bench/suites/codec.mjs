// The codec suite of `pnpm bench`: Rust bincode 1.3 (bench/rust-bincode,
// built offline from Debian's crates) and packages/codec/bench in the same
// run, then the goals against Rust. The Rust program must encode the very
// bytes our encoder writes (FNV-1a digests compared); a mismatch is an error.
// Usage: node bench/suites/codec.mjs [--quick]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fnv1a64, workloads } from '../../packages/codec/bench/workloads.js'
import { runChild } from '../lib/child.mjs'
import { emitter, goal, log, parseResultLine } from '../lib/emit.mjs'
import { round, summarize } from '../lib/stats.mjs'

const SUITE = 'codec'
const RUST = 'Rust bincode 1.3'
const OURS = '@paraloom/codec'
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

/** Builds and runs the Rust peer; its parsed lines, or the reason it was skipped. */
function runRust() {
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
  const out = execFileSync(binary, quick ? ['--quick'] : [], { encoding: 'utf8' })
  return {
    lines: out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  }
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

const rust = runRust()
const rustNs = new Map()
if (rust.skipped !== undefined) {
  log(SUITE, `Rust peer skipped: ${rust.skipped}`)
  emit({ name: RUST, metric: 'status', value: `skipped: ${rust.skipped}`, unit: '' })
} else {
  checkSameBytes(rust.lines)
  for (const l of rust.lines.filter((x) => x.samplesNsPerOp !== undefined)) {
    const s = summarize(l.samplesNsPerOp)
    rustNs.set(`${l.workload} ${l.op}`, s.median)
    const mbPerS = l.bytes / s.median / 1.048576e-3
    emit({
      name: `${l.workload} ${l.op}`,
      metric: RUST,
      value: s.median,
      unit: 'ns/op',
      detail: `${round(mbPerS)} MB/s, ${l.bytes} B, ±${round(s.spreadPct, 2)}% over ${s.count} rounds`,
      mbPerS: round(mbPerS),
      bytes: l.bytes,
      spreadPct: round(s.spreadPct, 2),
      rounds: s.count,
    })
  }
}

const oursNs = new Map()
const args = ['bench/run.js', '--lines-only', ...(quick ? ['--quick'] : [])]
const { code } = await runChild(process.execPath, args, {
  cwd: codecDir,
  timeoutMs: 10 * 60_000,
  onLine: (text) => {
    const line = parseResultLine(text)
    if (line === undefined) return
    process.stdout.write(`${text}\n`)
    if (line.metric === OURS) oursNs.set(line.name, line.value)
  },
})
if (code !== 0) throw new Error(`packages/codec/bench/run.js exited with ${code}`)

for (const [name, rustTime] of rustNs) {
  const op = name.endsWith('decode') ? 'decode' : 'encode'
  const ratio = oursNs.get(name) / rustTime
  emit({
    name: `${name} vs Rust`,
    metric: 'time ratio (ours / Rust)',
    value: ratio,
    unit: '×',
    ...goal(round(ratio), '<=', GOALS[op], '×'),
  })
}
