// A small timing harness: calibrate a batch size, warm up, then time rounds
// of every case in turn (round-robin), so slow drift on a shared machine
// hits every case alike and the ratios between them hold.

/** Results kept alive so the optimiser cannot drop the measured calls. */
const sink = new Array(16)
let sinkIndex = 0

function runBatch(fn, iterations) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) sink[sinkIndex++ & 15] = fn()
  return Number(process.hrtime.bigint() - start)
}

/** Iterations that take about `targetMs`, found by doubling. */
function calibrate(fn, targetMs) {
  let iterations = 1
  for (;;) {
    const ns = runBatch(fn, iterations)
    if (ns >= targetMs * 1e6 || iterations >= 1 << 26) {
      return Math.max(1, Math.round((iterations * targetMs * 1e6) / Math.max(ns, 1)))
    }
    iterations *= 2
  }
}

/**
 * Times every case: `cases` are `{ fn }` objects. Returns, per case, the
 * ns/op of each timed round. `roundMs` is the target length of one batch.
 */
export function timeRoundRobin(cases, { rounds, warmupRounds, roundMs }) {
  const batches = cases.map((c) => calibrate(c.fn, roundMs))
  const samples = cases.map(() => [])
  for (let round = 0; round < warmupRounds + rounds; round++) {
    cases.forEach((c, i) => {
      const ns = runBatch(c.fn, batches[i])
      if (round >= warmupRounds) samples[i].push(ns / batches[i])
    })
  }
  return samples
}
