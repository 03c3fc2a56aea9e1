// Real `paraloom` processes for the benchmarks that need the whole node: the
// registry stand-in serving a genesis of the given validators, and
// `paraloom validator start` per validator, each with its validator.toml.
// Every process started here is killed by pid in `stop()`.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { sleep } from '../../packages/p2p/bench/lib/clock.js'
import { freePorts, isFree } from '../../packages/p2p/bench/lib/ports.js'
import { solanaAddressFromPublicKey } from '../../packages/p2p/dist/index.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const CLI = `${root}apps/validator-node/dist/bin/paraloom.js`
const READY_TIMEOUT_MS = 60_000

/** Two consecutive free ports (the stand-in serves its websocket on port + 1). */
async function portPair() {
  for (let i = 0; i < 50; i++) {
    const [port] = await freePorts(1)
    if (port < 65535 && (await isFree(port + 1))) return port
  }
  throw new Error('no two consecutive free ports')
}

function runCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`paraloom ${args[0]} ${args[1]} exited with ${code}`)),
    )
  })
}

const toml = (sections) =>
  Object.entries(sections)
    .map(([name, fields]) => {
      const lines = Object.entries(fields).map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
      return name === '' ? lines.join('\n') : `[${name}]\n${lines.join('\n')}`
    })
    .join('\n\n')

/**
 * Every port one benchmark's processes listen on, from one allocation so
 * that none is handed out twice: per validator its p2p, gRPC and metrics
 * ports, and the stand-in's consecutive pair (RPC, websocket).
 */
async function allocatePorts(validators) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const rpc = await portPair()
    const all = await freePorts(3 * validators)
    if (all.includes(rpc) || all.includes(rpc + 1)) continue
    const slice = (k) => all.slice(k * validators, (k + 1) * validators)
    return { rpc, p2p: slice(0), grpc: slice(1), metrics: slice(2) }
  }
  throw new Error('could not allocate distinct ports')
}

/**
 * The processes of one benchmark under `dir`; `keys` (p2p bench keys.js) are
 * the registry's validators, at the loopback ports `startRegistry` returns.
 * With `profileDir`, every validator writes its V8 CPU profile there when it
 * exits.
 */
export function validatorProcesses({ dir, keys, profileDir }) {
  const children = []
  const validatorPids = []
  const keypairFile = (k) => join(dir, `validator-${k.index}.json`)
  let registry
  let ports

  /** Spawns the CLI (with node flags `nodeArgs`); resolves once a stdout line matches `ready`. */
  async function startCli(args, ready, what, nodeArgs = []) {
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    children.push(child)
    const lines = createInterface({ input: child.stdout })
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what} not ready after 60 s`)),
        READY_TIMEOUT_MS,
      )
      lines.on('line', (line) => {
        if (ready.test(line)) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.once('exit', (code) =>
        reject(new Error(`${what} exited with ${code} before it was ready`)),
      )
    })
    return child
  }

  return {
    /** Writes the keypair files and genesis, starts the registry stand-in; the validators' p2p ports. */
    async startRegistry() {
      ports = await allocatePorts(keys.length)
      await mkdir(dir, { recursive: true })
      for (const k of keys)
        await writeFile(keypairFile(k), JSON.stringify([...k.seed, ...k.publicKey]))
      const programId = solanaAddressFromPublicKey(randomBytes(32))
      const rpcPort = ports.rpc
      const genesis = join(dir, 'genesis')
      await runCli([
        ...['registry', 'genesis', '--out', genesis, '--network', 'localnet'],
        ...['--program-id', programId],
        ...keys.flatMap((k, i) => [
          '--validator',
          `${keypairFile(k)}=/ip4/127.0.0.1/tcp/${ports.p2p[i]}`,
        ]),
      ])
      await startCli(
        ['registry', 'stand-in', '--accounts', genesis, '--listen', `127.0.0.1:${rpcPort}`],
        /^registry stand-in/,
        'registry stand-in',
      )
      registry = { rpc_url: `http://127.0.0.1:${rpcPort}`, program_id: programId }
      return ports.p2p
    },
    /** Starts validator `i` with `liveness` ([liveness] keys); resolves with its gRPC address. */
    async startValidator(i, liveness) {
      const [grpcPort, metricsPort] = [ports.grpc[i], ports.metrics[i]]
      const own = join(dir, `validator-${i}`)
      await mkdir(own, { recursive: true })
      const config = join(own, 'validator.toml')
      await writeFile(
        config,
        toml({
          '': { network: 'localnet', state_dir: join(own, 'state') },
          identity: { keypair: keypairFile(keys[i]) },
          p2p: { listen: [`/ip4/127.0.0.1/tcp/${ports.p2p[i]}`] },
          registry,
          liveness,
          grpc: { listen: `127.0.0.1:${grpcPort}` },
          metrics: { listen: `127.0.0.1:${metricsPort}` },
        }),
      )
      const args = [
        'validator',
        'start',
        '--config',
        config,
        '--log-format',
        'json',
        '--log-level',
        'warn',
      ]
      const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
      const child = await startCli(args, /^ready:/, `validator ${i}`, profile)
      validatorPids.push(child.pid)
      return `127.0.0.1:${grpcPort}`
    },
    /** The pids of the validators started so far. */
    validatorPids: () => [...validatorPids],
    /**
     * SIGTERM to every process, SIGKILL to those still running after
     * `graceMs` (longer when profiling: a profile is written at exit).
     */
    async stop(graceMs = profileDir ? 10_000 : 500) {
      const exited = children.map((c) =>
        c.exitCode !== null || c.signalCode !== null
          ? Promise.resolve()
          : new Promise((resolve) => c.once('exit', resolve)),
      )
      for (const child of children) child.kill('SIGTERM')
      await Promise.race([Promise.all(exited), sleep(graceMs)])
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}
