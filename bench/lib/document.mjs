// docs/benchmarks.md, regenerated whole by every full `pnpm bench`: the
// machine, the goals table, every suite's figures, the codec profiles and
// how each figure is measured.
import { goalsMarkdown, profilesMarkdown, suitesMarkdown } from './report.mjs'

const METHOD = `## How each figure is measured

Every suite prints JSON lines \`{suite, name, metric, value, unit, goal?, met?, by?, detail?}\`;
\`bench/run.mjs\` collects them and writes this file. No benchmark is a test:
tests never assert timings. Comparisons run side by side in one process or
one run, so their ratios hold on a noisy machine.

- **codec** (\`packages/codec/bench\`, \`bench/suites/codec.mjs\`): a Vote
  (149 B) and a BlockProposal with 100 transactions of 200 B (21,024 B),
  encode and decode. Every case is calibrated to a fixed batch length,
  warmed up, then timed in round-robin rounds. Rust and the JavaScript
  codecs alternate in 3 passes of 5 rounds (1 with \`--quick\`); the value is
  the median ns/op over all rounds, the spread (±) the median absolute
  deviation, and each ratio to Rust the median of the per-pass ratios. Peers in the same run: npm \`borsh\` and
  \`@coral-xyz/borsh\` on the same layout in Borsh (their Borsh bytes are
  checked equal), \`JSON.stringify\`/\`JSON.parse\` of the canonical JSON,
  and Rust \`bincode\` 1.3.3 (\`bench/rust-bincode\`, built with
  \`cargo build --release --offline\` against Debian's packaged crates) with
  the wire.md options (fixed-width integers, size cap, trailing bytes
  rejected). Rust must write the very bytes our encoder writes (FNV-1a
  digests compared; a mismatch fails the run). MB/s counts each codec's own
  encoding. Rust decodes transactions into owned \`Vec<u8>\`s; we decode byte
  fields as views of the input (see the codec README). The CPU profiles
  (V8 sampling profiler, self time per function) say where our time goes.
- **registry** (\`packages/registry/bench/decode-accounts.js\`, restated by
  \`bench/suites/registry.mjs\`): 10,000 ValidatorAccount blobs decoded by
  \`@paraloom/registry\` and by \`@coral-xyz/borsh\` on the same layout, 10 rounds.
- **gossip**, two ways. (a) The p2p layer alone (\`packages/p2p/bench/gossip.js\`):
  12 validators, each a separate process, full mesh on 127.0.0.1; every
  validator publishes its share of the rate as signed votes carrying their
  publish time, and every other validator records publish-to-delivery
  latency (one wall clock for all processes). The CPU time of all validator
  processes during a trial, less their idle CPU, per delivered vote says
  what one vote costs. 100 votes/s for 30 s gives p50/p99/max; 10-s trials
  at rising rates find the highest rate without loss. (b) The whole
  validator (\`bench/suites/gossip-devnet.mjs\`): 12 \`paraloom validator
  start\` processes and the registry stand-in, driven by the devnet's traffic
  generator (a block and every validator's prevote and precommit per
  height, each published through its signer's gRPC \`Publish\`); a
  \`Subscribe\` stream per validator records what it accepted and when
  (\`received_at_ms\`). Votes carry no time, so their latency counts from
  their height's plan time (the block's \`timestamp_ms\`). 100 votes/s for
  30 s, then 30-s trials at 250, 500, 1000, 2000 votes/s until one loses a
  delivery, fails a publish or falls behind its schedule.
- **discovery** (\`packages/p2p/bench/discovery.js\`): 32 validators as 8
  processes × 4 nodes, cold: the processes are up and the nodes created,
  knowing only the registry (every validator's key and address); the clock
  starts when they are told to start and stops when every routing table
  holds every other validator (and, beside it, when every node is connected
  to every other). Median of 2 rounds with fresh processes and keys.
- **failure** (\`packages/p2p/bench/failure.js\`): 6 validators in separate
  processes, ping every 1 s (timeout 1 s), OFFLINE after 3 misses. A victim
  is killed; the figure is the time until the last survivor marks it
  OFFLINE. SIGKILL closes the victim's sockets (a crashed process); SIGSTOP
  leaves them open and silent (a hung or unplugged host). Beside it, each
  process also runs a plain libp2p node with libp2p's connection monitor at
  its defaults: the time until every survivor's monitor dropped the victim.
- **soak** (\`packages/p2p/bench/soak.js\`): 4 validators talk only through
  \`jitter-proxy.js\`, a relay delaying every chunk 100–300 ms (200 ± 100 ms,
  uniform) each way, in order, for 10 minutes. This kernel has no \`netem\`,
  and shaping the shared loopback would disturb everything else on the
  machine, so the jitter is emulated in user space (connection set-up is not
  delayed). Nobody fails, so every OFFLINE is false; beside it, the
  disconnects libp2p's connection monitor (defaults) caused on the plain
  nodes. It runs in the background while the other suites run, so it also
  sees a loaded machine.
- **memory** (\`packages/p2p/bench/memory.js\`): one validator process with
  31 peer validators (27 honest, 4 attacking); RSS is the peak of 250-ms
  samples over 5 s idle, then the peak during a 60-s flood: invalid signed
  gossip (garbage, over-cap votes, 2 MiB blocks, 300 KiB results) and
  request/gossipsub streams with lengths over the caps, malformed varints,
  garbage bodies and half frames.
- **grpc** (\`bench/suites/grpc.mjs\`): a real \`paraloom validator start\`
  process (registry stand-in, ping every 250 ms) with 10 peer validators in
  another process that is stopped and continued (SIGSTOP/SIGCONT) to make
  its peers go OFFLINE and come back; 50 \`WatchPeers\` streams (a client
  built from \`proto/\` with grpc-js) measure the time from a transition's
  \`at_ms\` to its receipt.

\`pnpm bench --quick\` shrinks every workload (fewer rounds and nodes,
a 3-s flood, a 30-s soak, SIGKILL only) to fit 2 minutes; it prints the table and writes
nothing unless \`--write\` is given.`

function header(machine, run) {
  const load = (l) => l.map((x) => x.toFixed(2)).join(', ')
  const peak = Math.max(run.loadAtStart[0], run.loadAtEnd[0])
  const warning =
    peak > machine.cores / 2
      ? `\n\n> **The machine was busy** during this run (1-min load ${run.loadAtStart[0].toFixed(2)} at the start, ${run.loadAtEnd[0].toFixed(2)} at the end, on ${machine.cores} cores): other work shared the CPU, so latencies and rates are worse and noisier than on a quiet machine.`
      : ''
  return `# Benchmarks

Generated by \`pnpm bench\`${run.quick ? ' --quick' : ''} on ${machine.date} in ${(run.durationMs / 60_000).toFixed(1)} min. Do not edit by hand: run \`pnpm bench\` again.

| machine | |
|---|---|
| CPU | ${machine.cpu} |
| cores | ${machine.cores} |
| RAM | ${machine.ramGiB} GiB |
| OS | ${machine.os} |
| Node.js | ${machine.node} |
| load average (1, 5, 15 min) at start | ${load(run.loadAtStart)} |
| load average at end | ${load(run.loadAtEnd)} |${warning}`
}

/** Hand-written before/after accounts, with profiles, that this generated page links to. */
const ACCOUNTS = `## Before and after, with profiles

Each performance change is written up by hand beside this page, with its profile and the
figures before and after measured side by side in one run:

- [docs/perf/codec.md](perf/codec.md): the compiled codec against Rust bincode.
- [docs/perf/gossip.md](perf/gossip.md): the gossip hot path, CPU per delivered vote
  (\`pnpm bench gossip --profile\` reproduces the profile).
- [docs/perf/liveness.md](perf/liveness.md): the one-round-trip probe, the jitter soak, discovery
  and idle cost.
- [docs/scaling.md](scaling.md) and [docs/perf/scale.svg](perf/scale.svg): \`pnpm bench scale\`, per-validator
  cost against N.
- [docs/perf/memory.md](perf/memory.md): one validator's memory under request and gossip floods,
  and what it holds a minute later.`

/** The whole report. `run`: { quick, durationMs, loadAtStart, loadAtEnd, failures }. */
export function benchmarksDocument(lines, machine, run) {
  const failures =
    run.failures.length === 0
      ? ''
      : `\n\n**Suites that did not finish:** ${run.failures.join('; ')}.`
  const profiles = profilesMarkdown(lines)
  return `${header(machine, run)}${failures}

${ACCOUNTS}

## Goals

${goalsMarkdown(lines)}

## Results

${suitesMarkdown(lines)}
${profiles === '' ? '' : `\n## Where the codec's time goes\n\nTop functions by self time while each case runs in a loop (V8 sampling profiler):\n\n${profiles}\n`}
${METHOD}
`
}
