// docs/examples/engine.py, the Python engine of docs/queries.md, against a
// real cluster: attached to one validator's Query.Serve it answers the
// withdrawal-proof requests another validator's Query.WithdrawalProof sends;
// one that answers only after the deadline leaves the requester with a
// deadline error (not a hang) and its late answer is dropped.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { credentials, type ServiceError, status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { solanaAddressFromPublicKey } from '@paraloom/p2p'
import { QueryClient, type QueryWithdrawalProofResponse } from '@paraloom/proto'
import { eventually, within } from '@paraloom/test-utils'
import { generateKeypair } from '../src/keypair.js'
import type { TestValidator } from './helpers/cluster.js'
import { useCluster } from './helpers/cluster-suite.js'
import { unary } from './helpers/grpc.js'
import { parseExposition, sampleValue } from './helpers/prometheus.js'
import { generateStubs, PYTHON, PythonProcess, tool } from './helpers/python.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(60_000)

const ENGINE = fileURLToPath(new URL('../../../docs/examples/engine.py', import.meta.url))

const suite = useCluster({ size: 3 })
let dir: string
let stubs: string
let requester: TestValidator
let server: TestValidator
let unattended: TestValidator
const engines: PythonProcess[] = []
const queryClients: QueryClient[] = []

/** Runs one engine.py command against `v` and returns its one JSON line. */
async function engine(v: TestValidator, ...args: string[]): Promise<Record<string, unknown>> {
  const out = await tool(PYTHON, [ENGINE, stubs, v.grpcAddress, ...args], 45_000)
  return JSON.parse(out) as Record<string, unknown>
}

async function attachEngine(v: TestValidator, mode: 'answer' | 'late'): Promise<PythonProcess> {
  const p = PythonProcess.spawn([ENGINE, stubs, v.grpcAddress, 'serve', mode])
  engines.push(p)
  await p.waitFor('the engine to attach to Serve', (l) => l.attached === true)
  return p
}

function queryClient(v: TestValidator): QueryClient {
  const c = new QueryClient(v.grpcAddress, credentials.createInsecure())
  queryClients.push(c)
  return c
}

async function servedCount(v: TestValidator, outcome: string): Promise<number> {
  const res = await fetch(v.metricsUrl, { signal: AbortSignal.timeout(5000) })
  const metrics = parseExposition(await res.text())
  return (
    sampleValue(metrics, 'paraloom_serve_requests_total', {
      protocol: 'withdrawalProof',
      outcome,
    }) ?? 0
  )
}

beforeAll(async () => {
  ;[requester, server, unattended] = suite.cluster.validators as [
    TestValidator,
    TestValidator,
    TestValidator,
  ]
  dir = await mkdtemp(join(tmpdir(), 'paraloom-engine-'))
  stubs = await generateStubs(dir)
}, 60_000)

afterAll(async () => {
  for (const c of queryClients) c.close()
  await Promise.all(engines.map((e) => e.stop()))
  await rm(dir, { recursive: true, force: true })
}, 60_000)

describe('a Python engine attached to Query.Serve', () => {
  it("answers the withdrawal proof another validator's Query.WithdrawalProof asked for", async () => {
    const serving = await attachEngine(server, 'answer')
    const nullifier = randomBytes(32)
    const answer = await engine(
      requester,
      'withdrawal-proof',
      server.identity,
      nullifier.toString('hex'),
    )
    const root = createHash('sha256').update(nullifier).digest()
    expect(answer).toMatchObject({
      result: 'found',
      peer_id: server.peerId,
      merkle_root: root.toString('hex'),
      leaf_index: 7,
      siblings: [
        createHash('sha256')
          .update(Buffer.concat([root, nullifier]))
          .digest('hex'),
      ],
      proof: 'proof-from-python',
    })
    // The engine saw the request with who sent it and a deadline in the future.
    const served = await serving.waitFor(
      'the served line',
      (l) => l.nullifier === nullifier.toString('hex'),
    )
    expect(served).toMatchObject({ from_validator: requester.identity, mode: 'answer' })
    expect(served.deadline_ms as number).toBeGreaterThan(Date.now() - 60_000)
    expect(await servedCount(server, 'answered')).toBeGreaterThanOrEqual(1)
  })

  it('answers a peer given by PeerId and by multiaddr too', async () => {
    const nullifier = randomBytes(32).toString('hex')
    expect(await engine(requester, 'withdrawal-proof', server.peerId, nullifier)).toMatchObject({
      result: 'found',
    })
    const addr = `/ip4/127.0.0.1/tcp/${server.ports.p2p}/p2p/${server.peerId}`
    expect(await engine(requester, 'withdrawal-proof', addr, nullifier)).toMatchObject({
      result: 'found',
    })
  })

  it('a second Serve on the same node is refused with ALREADY_EXISTS', async () => {
    const call = queryClient(server).serve()
    const err = await within(
      'the second Serve to fail',
      10_000,
      new Promise<ServiceError>((resolve) => call.on('error', resolve)),
    )
    expect(err.code).toBe(status.ALREADY_EXISTS)
  })

  it('a node with no engine attached answers Pending', async () => {
    const answer = await engine(
      requester,
      'withdrawal-proof',
      unattended.identity,
      randomBytes(32).toString('hex'),
    )
    expect(answer).toMatchObject({ result: 'pending', eta_slots: 0 })
  })

  it('an engine that answers after the deadline: the requester gets DEADLINE_EXCEEDED, the late answer is dropped', async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()))
    // The old stream's detach reaches the node a moment after the process exits.
    const late = await eventually('a new engine to attach', async () => {
      try {
        return await attachEngine(server, 'late')
      } catch {
        return undefined
      }
    })
    const nullifier = randomBytes(32).toString('hex')
    const answer = await engine(requester, 'withdrawal-proof', server.identity, nullifier, '2000')
    expect(answer).toMatchObject({ error: 'DEADLINE_EXCEEDED', request_error: 'Timeout' })
    expect(answer.details).toMatch(/^Timeout: /)
    await late.waitFor('the request at the late engine', (l) => l.nullifier === nullifier)
    // The serving node's own deadline passes, then the late answer comes and is dropped.
    await eventually(
      'the late answer counted as dropped',
      async () => ((await servedCount(server, 'late')) >= 1 ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 500 },
    )
    expect(await servedCount(server, 'deadline')).toBeGreaterThanOrEqual(1)
  })
})

describe('Query.WithdrawalProof refusals', () => {
  const ask = (peer: string, nullifier: Uint8Array = new Uint8Array(32)) =>
    unary(queryClient(requester).withdrawalProof.bind(queryClient(requester)), {
      peer,
      nullifier: Buffer.from(nullifier),
      timeoutMs: 0,
    }) as Promise<QueryWithdrawalProofResponse>

  it.each([
    [
      'a validator not in the registry',
      () => solanaAddressFromPublicKey(generateKeypair().publicKey),
      status.NOT_FOUND,
      /PeerUnknown/,
    ],
    ['an empty peer', () => '', status.INVALID_ARGUMENT, /peer is empty/],
    [
      'a multiaddr without /p2p',
      () => '/ip4/127.0.0.1/tcp/1',
      status.INVALID_ARGUMENT,
      /has no \/p2p/,
    ],
    ['garbage for a multiaddr', () => '/nonsense/x', status.INVALID_ARGUMENT, /not a multiaddr/],
  ])('%s', async (_name, peer, code, details) => {
    const err = (await ask(peer()).catch((e: unknown) => e)) as ServiceError
    expect(err.code).toBe(code)
    expect(err.details).toMatch(details)
  })

  it.each([0, 31, 33])('a nullifier of %i bytes is INVALID_ARGUMENT', async (n) => {
    const err = (await ask(server.identity, new Uint8Array(n)).catch(
      (e: unknown) => e,
    )) as ServiceError
    expect(err.code).toBe(status.INVALID_ARGUMENT)
    expect(err.details).toMatch(`nullifier must be 32 bytes, got ${n}`)
  })
})
