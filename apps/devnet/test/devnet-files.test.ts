// The devnet's files and ports: layout, port plan and auto-shift, keypair
// reuse, genesis accounts and validator.toml (checked by the real loader).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { decodeValidatorAccount, readGenesisDirectory } from '@paraloom/registry'
import { loadConfig } from 'paraloom/config'
import { DevnetError } from '../src/errors.js'
import { DEVNET_TIMINGS, nthIpv4, validatorEndpoints } from '../src/files.js'
import { ensureIdentities, ensureKeypair } from '../src/identities.js'
import { allPorts, DEFAULT_PORTS, devnetLayout, portPlan } from '../src/layout.js'
import { choosePorts, isPortFree } from '../src/ports.js'
import { prepareDevnet } from '../src/prepare.js'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devnet-files-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

describe('port plan', () => {
  it('starts at the documented defaults and gives each validator the next port', () => {
    const plan = portPlan(3)
    expect(plan.rpc).toBe(8899)
    expect(plan.ws).toBe(8900)
    expect(plan.dashboard).toBe(8080)
    expect(plan.validators).toEqual([
      { p2p: 9001, grpc: 50051, metrics: 9464 },
      { p2p: 9002, grpc: 50052, metrics: 9465 },
      { p2p: 9003, grpc: 50053, metrics: 9466 },
    ])
  })

  it('refuses an offset that pushes a port past 65535', () => {
    expect(() => portPlan(16, 15_470)).toThrow(RangeError)
    expect(() => portPlan(16, 15_469)).not.toThrow()
    expect(() => portPlan(1, -1)).toThrow(RangeError)
  })

  it('shifts every port by the offset and never gives one port twice', () => {
    const plan = portPlan(16, 300)
    expect(plan.rpc).toBe(DEFAULT_PORTS.rpc + 300)
    expect(plan.validators[15]).toEqual({ p2p: 9316, grpc: 50366, metrics: 9779 })
    const ports = allPorts(plan)
    expect(new Set(ports).size).toBe(ports.length)
  })
})

describe('choosePorts', () => {
  let blocker: Server
  let blockedPort: number
  beforeAll(async () => {
    // Occupy the RPC port of some offset (first free one from a random start), then ask for it.
    blocker = createServer()
    for (let offset = 2000 + Math.floor(Math.random() * 4000); ; offset += 13) {
      const port = DEFAULT_PORTS.rpc + offset
      const bound = await new Promise<boolean>((resolve) => {
        blocker.once('error', () => resolve(false))
        blocker.listen(port, '127.0.0.1', () => resolve(true))
      })
      if (bound) {
        blockedPort = port
        break
      }
    }
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()))
  })

  it('knows a bound port is busy and an unbound one is free', async () => {
    expect(await isPortFree('127.0.0.1', blockedPort)).toBe(false)
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    expect(await isPortFree('127.0.0.1', port)).toBe(true)
  })

  it('refuses a fixed offset whose ports are taken, naming the port', async () => {
    const offset = blockedPort - DEFAULT_PORTS.rpc
    const err = await thrown(choosePorts(1, { host: '127.0.0.1', offset }))
    expect(err).toBeInstanceOf(DevnetError)
    expect((err as DevnetError).code).toBe('PortsBusy')
    expect(err.message).toContain(String(blockedPort))
  })

  it('shifts past a busy set by the step and reports what was busy', async () => {
    const firstOffset = blockedPort - DEFAULT_PORTS.rpc
    const chosen = await choosePorts(1, { host: '127.0.0.1', firstOffset, stepOffset: 7 })
    expect(chosen.busyAtDefault).toContain(blockedPort)
    expect(chosen.plan.offset).toBeGreaterThan(firstOffset)
    expect((chosen.plan.offset - firstOffset) % 7).toBe(0)
    expect(allPorts(chosen.plan)).not.toContain(blockedPort)
  })

  it('uses the first offset when it is free, reporting nothing busy', async () => {
    const firstOffset = blockedPort - DEFAULT_PORTS.rpc + 1
    const chosen = await choosePorts(1, { host: '127.0.0.1', firstOffset, stepOffset: 7 })
    if (chosen.plan.offset === firstOffset) expect(chosen.busyAtDefault).toEqual([])
    else expect(chosen.busyAtDefault.length).toBeGreaterThan(0)
  })

  it('gives up after maxAttempts with PortsBusy', async () => {
    const firstOffset = blockedPort - DEFAULT_PORTS.rpc
    const err = await thrown(
      choosePorts(1, { host: '127.0.0.1', firstOffset, stepOffset: 0, maxAttempts: 3 }),
    )
    expect((err as DevnetError).code).toBe('PortsBusy')
    expect(err.message).toContain('after up to 3 shifts')
  })
})

describe('identities', () => {
  it('creates every keypair once, then reuses them all', async () => {
    const layout = devnetLayout(join(root, 'ids'), 3)
    const first = await ensureIdentities(layout)
    expect(first).toMatchObject({ created: 4, reused: 0 })
    const second = await ensureIdentities(layout)
    expect(second).toMatchObject({ created: 0, reused: 4 })
    expect(second.programId).toBe(first.programId)
    expect(second.validators.map((k) => Buffer.from(k.publicKey).toString('hex'))).toEqual(
      first.validators.map((k) => Buffer.from(k.publicKey).toString('hex')),
    )
  })

  it('adds keypairs for new validators and keeps the old ones', async () => {
    const dir = join(root, 'grow')
    const small = await ensureIdentities(devnetLayout(dir, 2))
    const big = await ensureIdentities(devnetLayout(dir, 4))
    expect(big).toMatchObject({ created: 2, reused: 3 })
    expect(big.validators[1]!.publicKey).toEqual(small.validators[1]!.publicKey)
  })

  it('refuses a damaged keypair file instead of replacing the identity', async () => {
    const path = join(root, 'damaged.json')
    await writeFile(path, '[1,2,3]')
    const err = await thrown(ensureKeypair(path))
    expect(err).toBeInstanceOf(DevnetError)
    expect((err as DevnetError).code).toBe('BadIdentity')
    expect(err.message).toContain(path)
    expect(await readFile(path, 'utf8')).toBe('[1,2,3]')
  })
})

describe('addressing', () => {
  it('loopback: 127.0.0.1 with the plan ports, registered as listened', () => {
    const layout = devnetLayout(root, 2)
    const e = validatorEndpoints({ kind: 'loopback' }, portPlan(2, 100), layout.validators[1]!)
    expect(e).toEqual({
      p2pListen: '/ip4/127.0.0.1/tcp/9102',
      announce: [],
      registered: '/ip4/127.0.0.1/tcp/9102',
      grpcListen: '127.0.0.1:50152',
      metricsListen: '127.0.0.1:9565',
    })
  })

  it('hosts: one address each on the default ports, announced as registered', () => {
    const layout = devnetLayout(root, 4)
    const e = validatorEndpoints(
      { kind: 'hosts', firstIp: '172.28.0.11' },
      portPlan(4),
      layout.validators[3]!,
    )
    expect(e).toEqual({
      p2pListen: '/ip4/0.0.0.0/tcp/9001',
      announce: ['/ip4/172.28.0.14/tcp/9001'],
      registered: '/ip4/172.28.0.14/tcp/9001',
      grpcListen: '0.0.0.0:50051',
      metricsListen: '0.0.0.0:9464',
    })
  })

  it.each([
    ['not an address', 'validator-1', 0],
    ['too few octets', '10.0.1', 0],
    ['an octet over 255', '10.0.0.256', 0],
    ['past .254', '10.0.0.250', 5],
    ['hex', '0x0a.0.0.1', 0],
  ])('nthIpv4 rejects %s', (_, ip, index) => {
    expect(() => nthIpv4(ip, index)).toThrow(RangeError)
  })
})

describe('prepareDevnet', () => {
  it('writes genesis accounts and configs the node loads, and rewrites them on a re-run', async () => {
    const dir = join(root, 'prepared')
    const lines: string[] = []
    const init = {
      dir,
      validators: 3,
      network: 'devnet' as const,
      addressing: { kind: 'loopback' as const },
      plan: portPlan(3, 200),
      rpcUrl: 'http://127.0.0.1:9099',
      timings: DEVNET_TIMINGS,
      print: (l: string) => lines.push(l),
    }
    const prepared = await prepareDevnet(init)
    expect(lines[0]).toMatch(/^identities: 0 reused, 4 created/)

    const accounts = await readGenesisDirectory(prepared.layout.genesisDir)
    expect(accounts).toHaveLength(4)
    const validators = accounts
      .filter((a) => a.owner === prepared.identities.programId && a.data.length > 100)
      .map((a) => decodeValidatorAccount(a.data))
    expect(validators.map((v) => v.multiaddrs[0]).sort()).toEqual([
      '/ip4/127.0.0.1/tcp/9201',
      '/ip4/127.0.0.1/tcp/9202',
      '/ip4/127.0.0.1/tcp/9203',
    ])
    expect(validators.every((v) => v.isActive && v.network === 'devnet')).toBe(true)

    for (const [i, v] of prepared.layout.validators.entries()) {
      const config = await loadConfig(v.configPath)
      expect(config).toMatchObject({
        network: 'devnet',
        stateDir: v.stateDir,
        identity: { keypairPath: v.keypairPath },
        p2p: { listen: [`/ip4/127.0.0.1/tcp/${9201 + i}`], admission: 'validators' },
        registry: {
          rpcUrl: 'http://127.0.0.1:9099',
          programId: prepared.identities.programId,
          refreshSecs: DEVNET_TIMINGS.refreshSecs,
        },
        liveness: { pingIntervalMs: 2000, pingTimeoutMs: 2000, offlineAfterMissed: 3 },
        grpc: { listen: `127.0.0.1:${50251 + i}` },
        metrics: { listen: `127.0.0.1:${9664 + i}` },
      })
    }

    // A smaller re-run: same identities, and the dropped validator leaves the genesis.
    const again = await prepareDevnet({ ...init, validators: 2, plan: portPlan(2, 300) })
    expect(again.identities.programId).toBe(prepared.identities.programId)
    expect(await readGenesisDirectory(again.layout.genesisDir)).toHaveLength(3)
    expect((await loadConfig(again.layout.validators[0]!.configPath)).p2p.listen).toEqual([
      '/ip4/127.0.0.1/tcp/9301',
    ])
  })
})
