// The result lines of the codec benchmark, shared by this package's bench
// and the root suite that adds the Rust peer and merges several passes.
import { goal } from '../../../bench/lib/emit.mjs'
import { round, summarize } from '../../../bench/lib/stats.mjs'

export const OURS = '@paraloom/codec'
/** The codec writing into a reused buffer (`encodeInto`) and decoding byte arrays as views. */
export const OURS_REUSED = '@paraloom/codec (encodeInto, views)'
/** Goal: decode at least this many times faster than npm `borsh`. */
const BORSH_DECODE_SPEEDUP_GOAL = 5

/** One case's line: median ns/op, MB/s of its own encoding, spread; the raw samples ride along. */
export function timingLine({ workload, op, peer, bytes, samples }) {
  const s = summarize(samples)
  const mbPerS = bytes / s.median / 1.048576e-3
  return {
    name: `${workload} ${op}`,
    metric: peer,
    value: s.median,
    unit: 'ns/op',
    detail: `${round(mbPerS)} MB/s, ${bytes} B, ±${round(s.spreadPct, 2)}% over ${s.count} rounds`,
    mbPerS: round(mbPerS),
    bytes,
    spreadPct: round(s.spreadPct, 2),
    rounds: s.count,
    samplesNsPerOp: samples.map((x) => round(x, 4)),
  }
}

/** The decode-vs-borsh goal lines, from timing lines of one run. */
export function borshGoalLines(timings) {
  const ns = (name, peer) => timings.find((l) => l.name === name && l.metric === peer)?.value
  return ['Vote', 'BlockProposal'].map((workload) => {
    const ratio = ns(`${workload} decode`, 'borsh') / ns(`${workload} decode`, OURS)
    return {
      name: `${workload} decode vs borsh`,
      metric: 'speedup (borsh time / ours)',
      value: ratio,
      unit: '×',
      ...goal(round(ratio), '>=', BORSH_DECODE_SPEEDUP_GOAL, '×'),
    }
  })
}
