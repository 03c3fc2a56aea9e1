/**
 * Where a devnet keeps its files and which ports it uses.
 *
 * ```
 * <dir>/keys/registry-program.json   the registry program id (a keypair, so it is stable)
 * <dir>/keys/validator-<i>.json      validator identities, reused on every run
 * <dir>/genesis/<address>.json       registry accounts, rewritten on every run
 * <dir>/validator-<i>/validator.toml one config per validator, rewritten on every run
 * <dir>/validator-<i>/state/         registry cache and peer store
 * <dir>/monitor/monitor.db           peer-monitor's SQLite file
 * <dir>/logs/<name>.log              every child's output
 * ```
 */
import { join, resolve } from 'node:path'

/** Most validators one devnet runs; the port plan leaves room for this many. */
export const MAX_DEVNET_VALIDATORS = 16

/** The first port of each kind (interfaces.md: p2p 9001, gRPC 50051, metrics 9464, RPC 8899/8900, dashboard 8080). */
export const DEFAULT_PORTS = {
  p2p: 9001,
  grpc: 50051,
  metrics: 9464,
  rpc: 8899,
  dashboard: 8080,
} as const

export interface ValidatorPorts {
  p2p: number
  grpc: number
  metrics: number
}

/** Every port of one devnet. The websocket is always `rpc + 1`, as Solana serves it. */
export interface PortPlan {
  /** Added to every default port. */
  offset: number
  rpc: number
  ws: number
  dashboard: number
  validators: ValidatorPorts[]
}

/** Highest TCP port. */
const MAX_PORT = 65_535

/** The ports of `count` validators, every default shifted by `offset`; RangeError past port 65535. */
export function portPlan(count: number, offset = 0): PortPlan {
  if (DEFAULT_PORTS.grpc + offset + count - 1 > MAX_PORT || offset < 0) {
    throw new RangeError(`port offset ${offset} puts gRPC ports past ${MAX_PORT}`)
  }
  const validators = Array.from({ length: count }, (_, i) => ({
    p2p: DEFAULT_PORTS.p2p + offset + i,
    grpc: DEFAULT_PORTS.grpc + offset + i,
    metrics: DEFAULT_PORTS.metrics + offset + i,
  }))
  const rpc = DEFAULT_PORTS.rpc + offset
  return { offset, rpc, ws: rpc + 1, dashboard: DEFAULT_PORTS.dashboard + offset, validators }
}

/** Every port of a plan, for a "are they free" check. */
export function allPorts(plan: PortPlan): number[] {
  return [
    plan.rpc,
    plan.ws,
    plan.dashboard,
    ...plan.validators.flatMap((v) => [v.p2p, v.grpc, v.metrics]),
  ]
}

export interface ValidatorLayout {
  /** `validator-<i>`, 1-based. */
  name: string
  /** 0-based. */
  index: number
  keypairPath: string
  dir: string
  configPath: string
  stateDir: string
}

export interface DevnetLayout {
  dir: string
  keysDir: string
  programKeypairPath: string
  genesisDir: string
  logsDir: string
  monitorDir: string
  monitorDbPath: string
  validators: ValidatorLayout[]
}

export function validatorName(index: number): string {
  return `validator-${index + 1}`
}

/** The paths of a devnet of `count` validators under `dir` (made absolute). */
export function devnetLayout(dir: string, count: number): DevnetLayout {
  const root = resolve(dir)
  const keysDir = join(root, 'keys')
  const monitorDir = join(root, 'monitor')
  return {
    dir: root,
    keysDir,
    programKeypairPath: join(keysDir, 'registry-program.json'),
    genesisDir: join(root, 'genesis'),
    logsDir: join(root, 'logs'),
    monitorDir,
    monitorDbPath: join(monitorDir, 'monitor.db'),
    validators: Array.from({ length: count }, (_, index) => {
      const name = validatorName(index)
      const vdir = join(root, name)
      return {
        name,
        index,
        keypairPath: join(keysDir, `${name}.json`),
        dir: vdir,
        configPath: join(vdir, 'validator.toml'),
        stateDir: join(vdir, 'state'),
      }
    }),
  }
}
