import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { type DirectoryChange, noopLogger } from '@paraloom/interface'
import { sleep, waitFor } from '@paraloom/test-utils'
import { CACHE_FILE_NAME } from '../src/cache.js'
import { RegistryClient, type RegistryClientInit } from '../src/client.js'
import { buildGenesisAccounts, type ValidatorSpec } from '../src/genesis.js'
import { VALIDATOR_DISCRIMINATOR } from '../src/layout.js'
import { snapshotInconsistency } from '../src/snapshot.js'
import { LocalRpcStandIn } from '../src/stand-in/index.js'
import type { RegistryWarning } from '../src/warnings.js'
import { PROGRAM_ID, randomAddress, randomKey } from './fixtures.js'

/** A request timeout no answer of a live stand-in exceeds, even on a busy machine. */
const LOADED_MACHINE_TIMEOUT_MS = 10_000

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function spec(overrides: Partial<ValidatorSpec> = {}): ValidatorSpec {
  return {
    identity: randomKey(),
    network: 'devnet',
    multiaddrs: ['/ip4/127.0.0.1/tcp/9001'],
    stake: 100n,
    ...overrides,
  }
}

async function startStandIn(validators: ValidatorSpec[], extra: { minimumStake?: bigint } = {}) {
  const accounts = await buildGenesisAccounts({
    programId: PROGRAM_ID,
    network: 'devnet',
    validators,
    ...extra,
  })
  const standIn = new LocalRpcStandIn({ accounts, programId: PROGRAM_ID, port: 0 })
  await standIn.start()
  cleanups.push(() => standIn.stop())
  return standIn
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'registry-client-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

interface Harness {
  client: RegistryClient
  warnings: RegistryWarning[]
  logs: string[]
  /** Debug lines (repeats of a failure already warned about). */
  debug: string[]
  changes: DirectoryChange[]
}

function makeClient(init: Partial<RegistryClientInit> & { rpcUrl: string }): Harness {
  const warnings: RegistryWarning[] = []
  const logs: string[] = []
  const debug: string[] = []
  const changes: DirectoryChange[] = []
  const client = new RegistryClient({
    programId: PROGRAM_ID,
    network: 'devnet',
    requestTimeoutMs: 1_000,
    retryInitialMs: 50,
    retryMaxMs: 200,
    onWarning: (w) => warnings.push(w),
    logger: {
      info: (m) => logs.push(m),
      warn: (m) => logs.push(m),
      error: (m) => logs.push(m),
      debug: (m) => debug.push(m),
      forComponent: () => noopLogger,
    },
    ...init,
  })
  client.onChange((c) => changes.push(c))
  cleanups.push(() => client.stop())
  return { client, warnings, logs, debug, changes }
}

describe('RegistryClient against the stand-in', () => {
  it('snapshots exactly the valid validators and warns once per skipped account', async () => {
    const good = [spec(), spec({ multiaddrs: ['/ip4/127.0.0.1/tcp/9002', 'garbage'] })]
    const inactive = spec({ isActive: false })
    const poor = spec({ stake: 1n })
    const otherNet = spec({ network: 'testnet' })
    const standIn = await startStandIn([...good, inactive, poor, otherNet], { minimumStake: 50n })
    const h = makeClient({ rpcUrl: standIn.rpcUrl, wsUrl: null })
    await h.client.start()
    expect(h.client.seeds().map((s) => s.publicKey)).toEqual(good.map((g) => g.identity))
    expect(h.client.isActiveValidator(good[0]!.identity)).toBe(true)
    expect(h.client.isActiveValidator(inactive.identity)).toBe(false)
    expect(h.client.registry()?.minimumStake).toBe(50n)
    // The other network's account never comes back from the memcmp filter.
    expect(h.warnings.map((w) => w.reason.split(' ')[0])).toEqual([
      'multiaddr',
      'validator',
      'stake',
    ])
    expect(h.changes).toHaveLength(1)
    expect(h.client.status()).toMatchObject({
      source: 'rpc',
      consecutiveFailures: 0,
      subscription: 'off',
    })
    await h.client.refresh()
    expect(h.warnings).toHaveLength(3)
  })

  it('applies register, change and deactivate within a second through the subscription', async () => {
    const first = spec()
    const standIn = await startStandIn([first])
    const h = makeClient({
      rpcUrl: standIn.rpcUrl,
      wsUrl: standIn.wsUrl,
      refreshIntervalMs: 60_000,
    })
    await h.client.start()
    await waitFor('the subscription', () => h.client.status().subscription === 'connected', 2_000)

    const added = spec()
    await standIn.upsertValidator(added)
    await waitFor('the added validator', () => h.client.isActiveValidator(added.identity), 1_000)
    expect(h.changes.at(-1)?.added.map((p) => p.publicKey)).toEqual([added.identity])

    await standIn.upsertValidator({ ...added, stake: 555n })
    await waitFor('the new stake', () => h.changes.at(-1)?.updated[0]?.stake === 555n, 1_000)

    await standIn.deactivate(first.identity)
    await waitFor('the deactivation', () => !h.client.isActiveValidator(first.identity), 1_000)
    expect(h.changes.at(-1)?.removed.map((p) => p.publicKey)).toEqual([first.identity])
  })

  it('catches up within one refresh interval while the websocket is cut, then reconnects', async () => {
    const standIn = await startStandIn([spec()])
    const h = makeClient({ rpcUrl: standIn.rpcUrl, wsUrl: standIn.wsUrl, refreshIntervalMs: 400 })
    await h.client.start()
    await waitFor('the subscription', () => h.client.status().subscription === 'connected', 2_000)
    standIn.dropWebsocketClients({ accepting: false })
    await waitFor('reconnecting', () => h.client.status().subscription === 'reconnecting', 2_000)
    const late = spec()
    await standIn.upsertValidator(late)
    await waitFor('the late validator', () => h.client.isActiveValidator(late.identity), 1_000)
    standIn.acceptWebsockets()
    await waitFor('the subscription', () => h.client.status().subscription === 'connected', 3_000)
    const viaWs = spec()
    await standIn.upsertValidator(viaWs)
    await waitFor(
      'the validator added over the websocket',
      () => h.client.isActiveValidator(viaWs.identity),
      1_000,
    )
  })

  it('serves the cached snapshot after a restart with the RPC down', async () => {
    const v = spec()
    const standIn = await startStandIn([v])
    const stateDir = await tempDir()
    let now = 1_000_000
    const first = makeClient({ rpcUrl: standIn.rpcUrl, wsUrl: null, stateDir, now: () => now })
    await first.client.start()
    await first.client.stop()
    const rpcUrl = standIn.rpcUrl
    await standIn.stop()

    now += 5_000
    const second = makeClient({ rpcUrl, wsUrl: null, stateDir, now: () => now })
    await second.client.start()
    expect(second.client.isActiveValidator(v.identity)).toBe(true)
    expect(second.client.status()).toMatchObject({
      source: 'cache',
      snapshotAgeMs: 5_000,
      consecutiveFailures: 1,
      lastError: expect.stringMatching(/cannot reach/),
    })
    expect(second.logs.filter((l) => l.includes('read failed'))).toHaveLength(1)
  })

  it('given no logger, logs nothing: no console fallback', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation(() => {}),
    )
    try {
      const h = makeClient({ rpcUrl: 'http://127.0.0.1:9', wsUrl: null, logger: undefined })
      await h.client.start()
      // The read failed (a line a logger would have had), and nobody printed it.
      expect(h.client.status().consecutiveFailures).toBeGreaterThanOrEqual(1)
      for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })

  it('treats a corrupt cache file as a warning and starts anyway', async () => {
    const stateDir = await tempDir()
    await writeFile(join(stateDir, CACHE_FILE_NAME), '{"version":1,"accounts":[{"nope":1}]}')
    const h = makeClient({ rpcUrl: 'http://127.0.0.1:9', wsUrl: null, stateDir })
    await h.client.start()
    expect(h.client.status().source).toBe('none')
    expect(h.logs.some((l) => /cache .* ignored: cache file is corrupt/.test(l))).toBe(true)
  })
})

describe('RegistryClient keeps its last good state through bad RPC', () => {
  /** `requestTimeoutMs` short for the stall case; long where a loaded machine must not time out. */
  async function goodThenFault(requestTimeoutMs = 300) {
    const v = spec()
    const standIn = await startStandIn([v])
    const h = makeClient({ rpcUrl: standIn.rpcUrl, wsUrl: null, requestTimeoutMs })
    await h.client.start()
    expect(h.client.isActiveValidator(v.identity)).toBe(true)
    return { v, standIn, h }
  }

  it.each([
    ['HTTP 500', 'status-500', /HTTP 500/],
    ['malformed JSON', 'malformed-json', /not JSON/],
    ['a JSON-RPC error', 'json-rpc-error', /JSON-RPC error -32005/],
    ['no answer at all', 'stall', /within 300 ms/],
  ] as const)('%s', async (_name, fault, error) => {
    const { v, standIn, h } = await goodThenFault()
    standIn.setHttpFault(fault)
    expect(await h.client.refresh()).toBe(false)
    expect(await h.client.refresh()).toBe(false)
    expect(h.client.isActiveValidator(v.identity)).toBe(true)
    expect(h.client.status()).toMatchObject({
      source: 'rpc',
      consecutiveFailures: 2,
      lastError: expect.stringMatching(error),
    })
    expect(h.logs.filter((l) => l.includes('read failed'))).toHaveLength(1)
    standIn.setHttpFault('none')
    expect(await h.client.refresh()).toBe(true)
    expect(h.client.status().consecutiveFailures).toBe(0)
  })

  it('an RPC that is down at start: start resolves, no seeds, error recorded', async () => {
    const h = makeClient({ rpcUrl: 'http://127.0.0.1:9', wsUrl: 'ws://127.0.0.1:10' })
    await h.client.start()
    expect(h.client.seeds()).toEqual([])
    expect(h.client.status()).toMatchObject({ source: 'none', consecutiveFailures: 1 })
  })

  it('10,000 accounts: within the default cap they are checked; over a cap of 9,999 it is an error', async () => {
    const { v, standIn, h } = await goodThenFault(LOADED_MACHINE_TIMEOUT_MS)
    const data = new Uint8Array(41)
    data.set(VALIDATOR_DISCRIMINATOR)
    data[40] = 1
    for (let i = 0; i < 9_999; i++) {
      standIn.setAccount({
        pubkey: randomAddress(),
        lamports: 1n,
        data,
        owner: PROGRAM_ID,
        executable: false,
        rentEpoch: 0n,
      })
    }
    const capped = makeClient({
      rpcUrl: standIn.rpcUrl,
      wsUrl: null,
      maxAccounts: 9_999,
      requestTimeoutMs: LOADED_MACHINE_TIMEOUT_MS,
    })
    expect(await capped.client.refresh()).toBe(false)
    expect(capped.client.status().lastError).toMatch(/10000 accounts, more than the cap of 9999/)
    expect(capped.client.seeds()).toEqual([])
    expect(await h.client.refresh()).toBe(true)
    expect(h.client.seeds().map((s) => s.publicKey)).toEqual([v.identity])
    expect(h.warnings).toHaveLength(9_999)
    expect(h.warnings[0]?.reason).toMatch(/does not decode/)
  })

  it('a response body over the byte cap is an error', async () => {
    const standIn = await startStandIn([spec()])
    const h = makeClient({ rpcUrl: standIn.rpcUrl, wsUrl: null, maxResponseBytes: 200 })
    expect(await h.client.refresh()).toBe(false)
    expect(h.client.status().lastError).toMatch(/exceeds 200/)
  })

  it('a response of the wrong shape is an error', async () => {
    const server: Server = createServer((_req, res) =>
      res.end('{"jsonrpc":"2.0","result":{"context":{"slot":1},"value":{"owner":5}},"id":1}'),
    )
    server.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    cleanups.push(() => new Promise((r) => server.close(r)))
    const h = makeClient({
      rpcUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      wsUrl: null,
    })
    expect(await h.client.refresh()).toBe(false)
    expect(h.client.status().lastError).toMatch(/owner is not a base58 address/)
  })
})

/** A counter hook that remembers every increment's labels. */
function counter() {
  const calls: Array<Record<string, string>> = []
  return { calls, inc: (labels: Record<string, string>) => void calls.push(labels) }
}

describe('RegistryClient does not obey a suspicious answer blindly', () => {
  it.each([
    [0, 3n, true],
    [1, 3n, true],
    [2, 3n, false],
    [2, 4n, false],
    [0, 0n, false],
    [5, 3n, false],
  ])('%i accounts listed, %i counted active: refused %s', (listed, active, refused) => {
    const snapshot = {
      slot: 1n,
      registryAccount: {} as never,
      registry: { activeValidators: active } as never,
      accounts: Array.from({ length: listed }, () => ({}) as never),
    }
    expect(snapshotInconsistency(snapshot) !== undefined).toBe(refused)
  })

  it('an empty getProgramAccounts answer while the registry counts 3 active: last good snapshot kept, warned, counted', async () => {
    const validators = [spec(), spec(), spec()]
    const standIn = await startStandIn(validators)
    const refusedSnapshots = counter()
    const rpcErrors = counter()
    const h = makeClient({
      rpcUrl: standIn.rpcUrl,
      wsUrl: null,
      metrics: { refusedSnapshots, rpcErrors },
      requestTimeoutMs: LOADED_MACHINE_TIMEOUT_MS,
    })
    await h.client.start()
    expect(h.client.seeds()).toHaveLength(3)
    // Through the JSON-RPC dev method, as a test process outside would.
    const res = await fetch(standIn.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'paraloomDev_hideProgramAccounts',
        params: [true],
      }),
    })
    expect(await res.json()).toMatchObject({ result: true })
    expect(await h.client.refresh()).toBe(false)
    expect(await h.client.refresh()).toBe(false)
    expect(h.client.seeds()).toHaveLength(3)
    for (const v of validators) expect(h.client.isActiveValidator(v.identity)).toBe(true)
    expect(h.changes).toHaveLength(1) // only the first snapshot's
    expect(refusedSnapshots.calls).toHaveLength(2)
    expect(rpcErrors.calls).toHaveLength(0) // a refused answer is not an RPC error
    expect(h.client.status()).toMatchObject({
      consecutiveFailures: 2,
      lastError:
        'getProgramAccounts listed 0 validator accounts while the registry account counts 3 active',
    })
    expect(h.logs.filter((l) => l.startsWith('registry snapshot refused'))).toHaveLength(1)
    standIn.setProgramAccountsHidden(false)
    expect(await h.client.refresh()).toBe(true)
    expect(h.client.status().consecutiveFailures).toBe(0)
  })

  it('a real deactivation is obeyed', async () => {
    const validators = [spec(), spec(), spec()]
    const standIn = await startStandIn(validators)
    const h = makeClient({
      rpcUrl: standIn.rpcUrl,
      wsUrl: null,
      requestTimeoutMs: LOADED_MACHINE_TIMEOUT_MS,
    })
    await h.client.start()
    await standIn.deactivate(validators[0]!.identity)
    expect(await h.client.refresh()).toBe(true)
    expect(h.client.seeds()).toHaveLength(2)
  })

  it('refuses a bad paraloomDev_hideProgramAccounts parameter', async () => {
    const standIn = await startStandIn([spec()])
    const res = await fetch(standIn.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"paraloomDev_hideProgramAccounts","params":["yes"]}',
    })
    expect(await res.json()).toMatchObject({ error: { code: -32602, message: /boolean/ } })
  })
})

describe('RegistryClient counts RPC errors', () => {
  it('a failed snapshot read and a lost subscription move rpcErrors; the retries are logged at debug', async () => {
    const standIn = await startStandIn([spec()])
    const rpcErrors = counter()
    const h = makeClient({
      rpcUrl: standIn.rpcUrl,
      metrics: { rpcErrors },
      requestTimeoutMs: LOADED_MACHINE_TIMEOUT_MS,
    })
    const { debug } = h
    await h.client.start()
    await waitFor('the subscription', () => h.client.status().subscription === 'connected', 5_000)
    expect(rpcErrors.calls).toEqual([])

    standIn.setHttpFault('status-500')
    expect(await h.client.refresh()).toBe(false)
    expect(await h.client.refresh()).toBe(false)
    expect(rpcErrors.calls).toEqual([{ round: 'snapshot' }, { round: 'snapshot' }])
    expect(debug.some((m) => /RPC read failed .*failure 2 in a row/.test(m))).toBe(true)
    standIn.setHttpFault('none')

    standIn.dropWebsocketClients({ accepting: false })
    await waitFor(
      'two subscription errors',
      () => rpcErrors.calls.filter((c) => c.round === 'subscription').length >= 2,
      5_000,
    )
    expect(debug.some((m) => /subscription .* lost/.test(m))).toBe(true)
    standIn.acceptWebsockets()
  })
})

describe('RegistryClient start with an abort signal', () => {
  /** An HTTP server that accepts every request and never answers; counts requests. */
  async function silentRpc(): Promise<{ url: string; requests: () => number }> {
    let requests = 0
    const server: Server = createServer(() => {
      requests++
    })
    server.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    cleanups.push(() => {
      server.closeAllConnections()
      return new Promise((r) => server.close(r))
    })
    const { port } = server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, requests: () => requests }
  }

  it('an abort during the first read against an RPC that never answers ends start at once', async () => {
    const rpc = await silentRpc()
    // A long request timeout: only the abort can end the read early.
    const h = makeClient({ rpcUrl: rpc.url, wsUrl: null, requestTimeoutMs: 60_000 })
    const abort = new AbortController()
    const started = h.client.start({ signal: abort.signal })
    await waitFor('a request', () => rpc.requests() > 0, 10_000)
    abort.abort()
    // Resolves without waiting for the 60 s timeout (jest's own timeout would fail it).
    await started
    expect(h.client.status().subscription).toBe('off')
    // Stopped: no retry is scheduled after the aborted read.
    const seen = rpc.requests()
    await sleep(3 * 200) // three of the longest retry delays (retryMaxMs)
    expect(rpc.requests()).toBe(seen)
  })

  it('an already aborted signal: start does nothing, not even one request', async () => {
    const rpc = await silentRpc()
    // A start that read would wait for this timeout; jest's own timeout would fail the test.
    const h = makeClient({ rpcUrl: rpc.url, wsUrl: null, requestTimeoutMs: 60_000 })
    await h.client.start({ signal: AbortSignal.abort() })
    expect(rpc.requests()).toBe(0)
    expect(h.client.status()).toMatchObject({ source: 'none', consecutiveFailures: 0 })
  })
})
