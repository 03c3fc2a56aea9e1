import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError } from '@paraloom/interface'
import { loadConfig, parseConfigText, wsUrlFor } from '../src/config/index.js'

const FULL = `
network = "devnet"
state_dir = "./state"
[identity]
keypair = "./validator-keypair.json"
[p2p]
listen = ["/ip4/0.0.0.0/tcp/9001"]
announce = []
admission = "validators"
allow = []
[registry]
rpc_url = "http://127.0.0.1:8899"
ws_url = ""
program_id = "Para1oom1111111111111111111111111111111111"
refresh_secs = 30
[liveness]
ping_interval_ms = 5000
ping_timeout_ms = 5000
slow_rtt_ms = 500
offline_after_missed = 3
[grpc]
listen = "127.0.0.1:50051"
[metrics]
listen = "127.0.0.1:9464"
`

const parse = (text: string, overrides = {}) =>
  parseConfigText(text, overrides, 'config test.toml', '/etc/paraloom')

/** Parses `text` expecting a ConfigError; returns its message. */
function failure(text: string, overrides = {}): ConfigError {
  try {
    parse(text, overrides)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('validator.toml', () => {
  it('reads the documented example', () => {
    const config = parse(FULL)
    expect(config).toEqual({
      network: 'devnet',
      stateDir: '/etc/paraloom/state',
      identity: { keypairPath: '/etc/paraloom/validator-keypair.json' },
      p2p: { listen: ['/ip4/0.0.0.0/tcp/9001'], announce: [], admission: 'validators', allow: [] },
      registry: {
        rpcUrl: 'http://127.0.0.1:8899',
        wsUrl: 'ws://127.0.0.1:8900',
        programId: 'Para1oom1111111111111111111111111111111111',
        refreshSecs: 30,
      },
      liveness: {
        pingIntervalMs: 5000,
        pingTimeoutMs: 5000,
        slowRttMs: 500,
        offlineAfterMissed: 3,
      },
      grpc: { listen: '127.0.0.1:50051', reservedClients: [] },
      metrics: { listen: '127.0.0.1:9464' },
      sync: {
        maxBlocks: 10_000,
        maxBytes: 64 * 1024 * 1024,
        persist: true,
        catchUpOnStart: false,
        catchUpBatch: 256,
      },
    })
  })

  it('fills every absent key but network with its default', () => {
    const config = parse('network = "testnet"')
    expect(config.p2p.admission).toBe('validators')
    expect(config.liveness.offlineAfterMissed).toBe(3)
    expect(config.registry.refreshSecs).toBe(30)
  })

  it('lets flags override the file', () => {
    const config = parse(FULL, { network: 'localnet', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } })
    expect(config.network).toBe('localnet')
    expect(config.p2p.listen).toEqual(['/ip4/127.0.0.1/tcp/0'])
    expect(config.p2p.admission).toBe('validators')
  })

  it.each([
    ['unknown top-level key', `foo = 1\n${FULL}`, 'foo', /unknown key/],
    ['unknown nested key', FULL.replace('[grpc]', '[grpc]\nport = 1'), 'grpc.port', /unknown key/],
    [
      'wrong type',
      FULL.replace('refresh_secs = 30', 'refresh_secs = "30"'),
      'registry.refresh_secs',
      /expected an integer, got a string/,
    ],
    [
      'integer out of range',
      FULL.replace('offline_after_missed = 3', 'offline_after_missed = 0'),
      'liveness.offline_after_missed',
      /between 1 and 1000/,
    ],
    [
      'bad multiaddr',
      FULL.replace('announce = []', 'announce = ["/ip4/1.2.3.4", "tcp:9001"]'),
      'p2p.announce[1]',
      /not a multiaddr/,
    ],
    [
      'bad enum',
      FULL.replace('admission = "validators"', 'admission = "everyone"'),
      'p2p.admission',
      /"validators", "open"/,
    ],
    [
      'bad network',
      FULL.replace('network = "devnet"', 'network = "moonnet"'),
      'network',
      /one of "mainnet"/,
    ],
    ['missing network', FULL.replace('network = "devnet"', ''), 'network', /is required/],
    [
      'bad PeerId in allow',
      FULL.replace('allow = []', 'allow = ["not-a-peer"]'),
      'p2p.allow[0]',
      /not a PeerId/,
    ],
    ['bad host:port', FULL.replace('"127.0.0.1:50051"', '"127.0.0.1"'), 'grpc.listen', /host:port/],
    [
      'bad reserved client',
      FULL.replace('[grpc]', '[grpc]\nreserved_clients = ["127.0.0.1", "monitor.local"]'),
      'grpc.reserved_clients[1]',
      /not an IP address/,
    ],
    [
      'reserved client with a port',
      FULL.replace('[grpc]', '[grpc]\nreserved_clients = ["127.0.0.1:50051"]'),
      'grpc.reserved_clients[0]',
      /not an IP address/,
    ],
    [
      'too many reserved clients',
      FULL.replace(
        '[grpc]',
        `[grpc]\nreserved_clients = [${Array.from({ length: 65 }, (_, i) => `"10.0.0.${i}"`).join(', ')}]`,
      ),
      'grpc.reserved_clients',
      /at most 64/,
    ],
    [
      'port over 65535',
      FULL.replace('"127.0.0.1:9464"', '"127.0.0.1:70000"'),
      'metrics.listen',
      /host:port/,
    ],
    [
      'bad rpc url',
      FULL.replace('http://127.0.0.1:8899', 'ftp://x'),
      'registry.rpc_url',
      /http: or https: URL/,
    ],
    [
      'bad ws url',
      FULL.replace('ws_url = ""', 'ws_url = "http://x"'),
      'registry.ws_url',
      /ws: or wss: URL/,
    ],
    [
      'bad program id',
      FULL.replace('Para1oom1111111111111111111111111111111111', 'l0l'),
      'registry.program_id',
      /base58/,
    ],
    [
      'a table where a value belongs',
      FULL.replace('state_dir = "./state"', 'state_dir = { a = 1 }'),
      'state_dir',
      /expected a string, got a object/,
    ],
    [
      'a value where a table belongs',
      `metrics = 3\n${FULL.replace('[metrics]\nlisten = "127.0.0.1:9464"', '')}`,
      'metrics',
      /expected a table/,
    ],
    [
      'timeout above interval',
      FULL.replace('ping_timeout_ms = 5000', 'ping_timeout_ms = 6000'),
      'liveness.ping_timeout_ms',
      /must not exceed/,
    ],
  ])('rejects %s, naming the key', (_name, text, key, message) => {
    const err = failure(text)
    expect(err.field).toBe(key)
    expect(err.message).toMatch(message)
    expect(err.message).toContain('config test.toml')
    expect(err.message).not.toContain('\n')
  })

  it('rejects too many listen addresses', () => {
    const many = Array.from({ length: 17 }, (_, i) => `"/ip4/127.0.0.1/tcp/${9000 + i}"`).join(',')
    expect(
      failure(FULL.replace('listen = ["/ip4/0.0.0.0/tcp/9001"]', `listen = [${many}]`)).message,
    ).toMatch(/at most 16/)
  })

  it('reports TOML syntax errors with their position on one line', () => {
    const err = failure('network = "devnet\n[p2p')
    expect(err.message).toMatch(/not valid TOML \(line \d+, column \d+\)/)
    expect(err.message).not.toContain('\n')
  })

  it('rejects garbage bytes', () => {
    expect(failure('\u0000\u0001\u00ff garbage = = =').message).toMatch(/not valid TOML/)
  })

  it('rejects a flag override of the wrong type like a file value', () => {
    expect(failure(FULL, { liveness: { slow_rtt_ms: 'fast' } }).field).toBe('liveness.slow_rtt_ms')
  })
})

describe('loadConfig', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraloom-config-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('resolves relative paths against the file directory', async () => {
    const path = join(dir, 'validator.toml')
    await writeFile(path, FULL)
    const config = await loadConfig(path)
    expect(config.stateDir).toBe(join(dir, 'state'))
    expect(config.identity.keypairPath).toBe(join(dir, 'validator-keypair.json'))
  })

  it('names a missing file', async () => {
    await expect(loadConfig(join(dir, 'nope.toml'))).rejects.toThrow(/nope\.toml: does not exist/)
  })

  it('names an unreadable file', async () => {
    await expect(loadConfig(dir)).rejects.toThrow(/cannot be read \(EISDIR\)/)
  })

  it('works from flags alone', async () => {
    const config = await loadConfig(undefined, { network: 'localnet' })
    expect(config.network).toBe('localnet')
  })
})

describe('wsUrlFor', () => {
  it('uses the RPC port + 1 and the matching scheme', () => {
    expect(wsUrlFor('http://127.0.0.1:8899')).toBe('ws://127.0.0.1:8900')
    expect(wsUrlFor('https://rpc.example:443/')).toBe('wss://rpc.example:444')
    expect(wsUrlFor('http://localhost')).toBe('ws://localhost:81')
  })
})
