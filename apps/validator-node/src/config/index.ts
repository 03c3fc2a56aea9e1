import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ConfigError, NETWORKS, type NetworkName } from '@paraloom/interface'
import { LIVENESS_DEFAULTS } from '@paraloom/p2p'
import { parse as parseToml, TomlError } from 'smol-toml'
import {
  arrayOf,
  base58AddressOrEmpty,
  boolean,
  field,
  hostPort,
  httpUrl,
  integer,
  ipAddress,
  isProblem,
  multiaddrString,
  oneOf,
  optional,
  peerIdString,
  string,
  table,
  wsUrlOrEmpty,
} from './fields.js'

/**
 * validator.toml, key for key (see the README's configuration section). Every
 * key but `network` has a default; `network` may come from `--network`.
 */
const validatorToml = table({
  network: field(oneOf(NETWORKS)),
  state_dir: field(string, './state'),
  identity: field(table({ keypair: field(string, './validator-keypair.json') })),
  p2p: field(
    table({
      listen: field(arrayOf(multiaddrString, 16), ['/ip4/0.0.0.0/tcp/9001']),
      announce: field(arrayOf(multiaddrString, 8), []),
      admission: field(oneOf(['validators', 'open'] as const), 'validators'),
      allow: field(arrayOf(peerIdString, 1024), []),
    }),
  ),
  registry: field(
    table({
      rpc_url: field(httpUrl, 'http://127.0.0.1:8899'),
      ws_url: field(wsUrlOrEmpty, ''),
      program_id: field(base58AddressOrEmpty, ''),
      refresh_secs: field(integer(1, 3600), 30),
    }),
  ),
  liveness: field(
    table({
      // The defaults are p2p's own, so the file and the library agree.
      ping_interval_ms: field(integer(100, 600_000), LIVENESS_DEFAULTS.pingIntervalMs),
      ping_timeout_ms: field(integer(50, 600_000), LIVENESS_DEFAULTS.pingTimeoutMs),
      slow_rtt_ms: field(integer(1, 60_000), LIVENESS_DEFAULTS.slowRttMs),
      offline_after_missed: field(integer(1, 1000), LIVENESS_DEFAULTS.offlineAfterMissed),
      // Advanced: transitions kept for WatchPeers resumes (absent: LIVENESS_DEFAULTS.historyCapacity).
      history_capacity: field(optional(integer(1, 1_000_000))),
    }),
  ),
  grpc: field(
    table({
      listen: field(hostPort, '127.0.0.1:50051'),
      // Clients (IP addresses, e.g. the peer-monitor's) that may use the streams kept in reserve.
      reserved_clients: field(arrayOf(ipAddress, 64), []),
    }),
  ),
  metrics: field(table({ listen: field(hostPort, '127.0.0.1:9464') })),
  sync: field(
    table({
      max_blocks: field(integer(1, 10_000_000), 10_000),
      // At least one block at the 1 MiB gossip cap.
      max_bytes: field(integer(1024 * 1024, 16 * 1024 ** 3), 64 * 1024 * 1024),
      persist: field(boolean, true),
      catch_up_on_start: field(boolean, false),
      catch_up_batch: field(integer(1, 4096), 256),
    }),
  ),
})

export interface ValidatorConfig {
  network: NetworkName
  /** Absolute path of the state directory (registry cache, peer store). */
  stateDir: string
  identity: { keypairPath: string }
  p2p: { listen: string[]; announce: string[]; admission: 'validators' | 'open'; allow: string[] }
  registry: { rpcUrl: string; wsUrl: string; programId: string; refreshSecs: number }
  liveness: {
    pingIntervalMs: number
    pingTimeoutMs: number
    slowRttMs: number
    offlineAfterMissed: number
    /**
     * Transitions the node keeps for watchers resuming with `after_sequence`
     * (`[liveness] history_capacity`, advanced); a watcher further behind gets
     * an explicit gap and a fresh snapshot. Absent: the p2p default, `LIVENESS_DEFAULTS.historyCapacity`.
     */
    historyCapacity?: number
  }
  grpc: {
    listen: string
    /** `[grpc] reserved_clients`: IP addresses that may use the WatchPeers/Subscribe reserve. */
    reservedClients: string[]
  }
  metrics: { listen: string }
  /** `[sync]`: the block store that answers state sync, and catching up on start. */
  sync: SyncConfig
}

export interface SyncConfig {
  /** Blocks kept for state sync at most (lowest heights evicted first). */
  maxBlocks: number
  /** Bincode bytes of the kept blocks at most. */
  maxBytes: number
  /** Keep the blocks in `<state_dir>/blocks.log` so a restart still serves them. */
  persist: boolean
  /** After start, fetch the blocks missed while down from a connected peer. */
  catchUpOnStart: boolean
  /** `max_blocks` of each catch-up request. */
  catchUpBatch: number
}

/** Raw TOML-shaped values, e.g. from flags, laid over the file before validation. */
export type ConfigOverrides = Record<string, unknown>

/**
 * Validates a parsed TOML document (with `overrides` laid over it) and
 * returns the typed config. Relative paths resolve against `baseDir`.
 */
export function buildConfig(
  doc: Record<string, unknown>,
  overrides: ConfigOverrides,
  source: string,
  baseDir: string,
): ValidatorConfig {
  const checked = validatorToml(deepMerge(doc, overrides))
  if (isProblem(checked)) {
    const key = checked.at.replace(/^\./, '')
    const code = key === 'network' ? 'InvalidNetwork' : 'InvalidOption'
    if (key === 'network' && checked.problem === 'is required') {
      throw new ConfigError(
        { code, source, field: key },
        `is required: pass --network <${NETWORKS.join('|')}> or set network = "…" in validator.toml`,
      )
    }
    throw new ConfigError({ code, source, field: key }, checked.problem)
  }
  const { identity, p2p, registry: r, liveness: l } = checked
  if (l.ping_timeout_ms > l.ping_interval_ms) {
    throw new ConfigError(
      { code: 'InvalidOption', source, field: 'liveness.ping_timeout_ms' },
      'must not exceed liveness.ping_interval_ms (it is the floor of the per-peer timeout, which adapts upwards to a jittery link)',
    )
  }
  return {
    network: checked.network,
    stateDir: resolve(baseDir, checked.state_dir),
    identity: { keypairPath: resolve(baseDir, identity.keypair) },
    p2p,
    registry: {
      rpcUrl: r.rpc_url,
      wsUrl: r.ws_url || wsUrlFor(r.rpc_url),
      programId: r.program_id,
      refreshSecs: r.refresh_secs,
    },
    liveness: {
      pingIntervalMs: l.ping_interval_ms,
      pingTimeoutMs: l.ping_timeout_ms,
      slowRttMs: l.slow_rtt_ms,
      offlineAfterMissed: l.offline_after_missed,
      historyCapacity: l.history_capacity,
    },
    grpc: { listen: checked.grpc.listen, reservedClients: checked.grpc.reserved_clients },
    metrics: checked.metrics,
    sync: {
      maxBlocks: checked.sync.max_blocks,
      maxBytes: checked.sync.max_bytes,
      persist: checked.sync.persist,
      catchUpOnStart: checked.sync.catch_up_on_start,
      catchUpBatch: checked.sync.catch_up_batch,
    },
  }
}

/** Parses TOML text; syntax errors name the line and column. */
export function parseConfigText(
  text: string,
  overrides: ConfigOverrides,
  source: string,
  baseDir: string,
): ValidatorConfig {
  let doc: Record<string, unknown>
  try {
    doc = parseToml(text) as Record<string, unknown>
  } catch (err) {
    const where = err instanceof TomlError ? `line ${err.line}, column ${err.column}` : ''
    throw new ConfigError(
      { code: 'MalformedFile', source },
      `is not valid TOML${where ? ` (${where})` : ''}: ${firstLine(err)}`,
    )
  }
  return buildConfig(doc, overrides, source, baseDir)
}

/** Reads and validates a config file; with no file, flags and defaults alone. */
export async function loadConfig(
  path: string | undefined,
  overrides: ConfigOverrides = {},
): Promise<ValidatorConfig> {
  if (path === undefined) return buildConfig({}, overrides, 'flags', process.cwd())
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const detail = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`
    throw new ConfigError(
      { code: 'UnreadableFile', source: `config ${path}` },
      `${detail} (pass --config with the path of your validator.toml)`,
      { cause: err },
    )
  }
  return parseConfigText(text, overrides, `config ${path}`, dirname(resolve(path)))
}

/** The websocket endpoint Solana serves beside an RPC URL: same host, port + 1. */
export function wsUrlFor(rpcUrl: string): string {
  const url = new URL(rpcUrl)
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.port = String(port + 1)
  return url.toString().replace(/\/$/, '')
}

function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue
    const current = out[key]
    const bothTables = isPlainTable(current) && isPlainTable(value)
    out[key] = bothTables ? deepMerge(current, value) : value
  }
  return out
}

function isPlainTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''
}
