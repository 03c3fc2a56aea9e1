// A gRPC client that is not ours: Python's grpcio (Debian's python3-grpcio)
// with stubs that protoc generates at test time from the repo's .proto files,
// calling both services, Health, and listing everything through reflection.
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { TestValidator } from './helpers/cluster.js'
import { useCluster } from './helpers/cluster-suite.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(60_000)

// Debian's python3-grpcio installs for the system interpreter, whatever `python3` is on PATH.
const PYTHON = '/usr/bin/python3'
const GRPC_PYTHON_PLUGIN = '/usr/bin/grpc_python_plugin'
/** The standard reflection protos (Debian's grpc-proto): nothing of ours. */
const REFLECTION_PROTOS = '/usr/share/grpc-proto/grpc/reflection'
const REPO_PROTOS = fileURLToPath(new URL('../../../proto', import.meta.url))
const CLIENT_SCRIPT = fileURLToPath(new URL('./fixtures/grpc_client.py', import.meta.url))
const PACKAGES_HINT =
  'apt-get install python3-grpcio protobuf-compiler protobuf-compiler-grpc grpc-proto (scripts/ci-apt-packages)'

const run = promisify(execFile)

/** Runs a tool with a deadline; on failure, says which packages provide it. */
async function tool(file: string, args: string[], timeoutMs = 30_000): Promise<string> {
  try {
    const { stdout } = await run(file, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const e = err as { message: string; stderr?: string }
    throw new Error(`${file} ${args.join(' ')} failed (${PACKAGES_HINT}): ${e.stderr || e.message}`)
  }
}

/** Generates the Python stubs into `dir` and returns it. */
async function generateStubs(dir: string): Promise<string> {
  const src = join(dir, 'proto')
  const out = join(dir, 'stubs')
  await mkdir(join(src, 'ext'), { recursive: true })
  await mkdir(out)
  // Under ext/ so the generated modules do not shadow grpcio's `grpc` package;
  // the proto packages (and so the wire names) stay grpc.health.v1 etc.
  await copyFile(join(REPO_PROTOS, 'grpc/health/v1/health.proto'), join(src, 'ext/health.proto'))
  for (const v of ['v1', 'v1alpha']) {
    await copyFile(
      join(REFLECTION_PROTOS, v, 'reflection.proto'),
      join(src, `ext/reflection_${v}.proto`),
    )
  }
  await tool('protoc', [
    `-I${REPO_PROTOS}`,
    `-I${src}`,
    `--python_out=${out}`,
    `--grpc_out=${out}`,
    `--plugin=protoc-gen-grpc=${GRPC_PYTHON_PLUGIN}`,
    join(REPO_PROTOS, 'paraloom/v1/peer_monitor.proto'),
    join(REPO_PROTOS, 'paraloom/v1/gossip.proto'),
    join(src, 'ext/health.proto'),
    join(src, 'ext/reflection_v1.proto'),
    join(src, 'ext/reflection_v1alpha.proto'),
  ])
  return out
}

interface PythonReport {
  list_peers: {
    observer: { validator: string; peer_id: string; incarnation: string; network: string }
    last_sequence: number
    peers: { validator: string; peer_id: string; state: string }[]
  }
  snapshot: { kind: string; last_sequence?: number; peers?: number }[]
  replay: { kind: string; sequence?: number; validator?: string; from?: string; to?: string }[]
  publish_garbage: { code: string; details: string }
  health: Record<string, string>
  reflection: Record<
    'v1' | 'v1alpha',
    {
      services: string[]
      methods: Record<string, { name: string; server_streaming: boolean }[]>
    }
  >
}

const suite = useCluster({ size: 2 })
let dir: string
let report: PythonReport

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraloom-python-'))
  const stubs = await generateStubs(dir)
  const stdout = await tool(PYTHON, [
    CLIENT_SCRIPT,
    stubs,
    suite.cluster.validators[0]!.grpcAddress,
  ])
  report = JSON.parse(stdout) as PythonReport
}, 120_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
}, 60_000)

describe('Python grpcio against a validator', () => {
  it('ListPeers answers as it does to our own client', async () => {
    const [self, peer] = suite.cluster.validators as [TestValidator, TestValidator]
    expect(report.list_peers.observer).toMatchObject({
      validator: self.identity,
      peer_id: self.peerId,
      network: 'devnet',
    })
    expect(report.list_peers.peers).toEqual([
      { validator: peer.identity, peer_id: peer.peerId, state: 'PEER_STATE_CONNECTED' },
    ])
    const ours = await suite.clients[0]!.listPeers()
    expect(ours.observer?.incarnation).toBe(report.list_peers.observer.incarnation)
  })

  it('WatchPeers gives a snapshot, and replays from sequence 0 in order', () => {
    expect(report.snapshot).toEqual([
      { kind: 'snapshot', last_sequence: expect.any(Number), peers: 1 },
    ])
    const last = report.list_peers.last_sequence
    expect(last).toBeGreaterThanOrEqual(1)
    expect(report.replay.map((e) => [e.kind, e.sequence])).toEqual(
      Array.from({ length: last }, (_, i) => ['transition', i + 1]),
    )
    // The peer's first probe result, and it is CONNECTED by now.
    const peer = suite.cluster.validators[1]!.identity
    expect(report.replay[0]).toMatchObject({ validator: peer, from: 'PEER_STATE_UNKNOWN' })
    expect(report.replay.at(-1)).toMatchObject({ validator: peer, to: 'PEER_STATE_CONNECTED' })
  })

  it('Publish with garbage is INVALID_ARGUMENT naming the decode error', () => {
    expect(report.publish_garbage.code).toBe('INVALID_ARGUMENT')
    expect(report.publish_garbage.details).toMatch(/^Vote payload: \w+ at byte \d+: /)
  })

  it('Health reports the server and both services SERVING', () => {
    expect(report.health).toEqual({
      '': 'SERVING',
      'paraloom.v1.PeerMonitor': 'SERVING',
      'paraloom.v1.Gossip': 'SERVING',
    })
  })

  it.each([
    'v1',
    'v1alpha',
  ] as const)('reflection (%s) lists every service and their methods without the proto files', (version) => {
    const { services, methods } = report.reflection[version]
    expect(services).toEqual([
      'grpc.health.v1.Health',
      'paraloom.v1.Gossip',
      'paraloom.v1.PeerMonitor',
    ])
    expect(methods['paraloom.v1.PeerMonitor']).toEqual([
      { name: 'ListPeers', server_streaming: false },
      { name: 'WatchPeers', server_streaming: true },
    ])
    expect(methods['paraloom.v1.Gossip']).toEqual([
      { name: 'Publish', server_streaming: false },
      { name: 'Subscribe', server_streaming: true },
    ])
    expect(methods['grpc.health.v1.Health']?.map((m) => m.name)).toEqual(
      expect.arrayContaining(['Check', 'Watch']),
    )
  })
})
