/**
 * The commands a devnet runs, one {@link ChildSpec} each: the same CLI
 * commands an operator (or the docker-compose services) would type.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DevnetLayout, PortPlan, ValidatorLayout } from './layout.js'
import type { ChildSpec } from './processes.js'

/** The package's built `paraloom` CLI (the same path from src/devnet and dist/devnet). */
export const PARALOOM_BIN = fileURLToPath(new URL('../../dist/bin/paraloom.js', import.meta.url))

/** Where the workspace builds peer-monitor, relative to this package's dist/. */
export const WORKSPACE_PEER_MONITOR_BIN = fileURLToPath(
  new URL('../../../peer-monitor/dist/bin/peer-monitor.js', import.meta.url),
)

/**
 * The peer-monitor entry point to run: `explicit` if given, else the
 * workspace build if present, else the `@paraloom/peer-monitor` package
 * installed where this one is (both installed with `npm install -g`, or in
 * one project).
 */
export function findPeerMonitorBin(explicit?: string): string | undefined {
  if (explicit !== undefined) return explicit
  if (existsSync(WORKSPACE_PEER_MONITOR_BIN)) return WORKSPACE_PEER_MONITOR_BIN
  return installedPeerMonitorBin(import.meta.url)
}

/** The `peer-monitor` bin of the `@paraloom/peer-monitor` that Node resolves from `from` (a file URL), if any. */
export function installedPeerMonitorBin(from: string): string | undefined {
  let manifestPath: string
  try {
    manifestPath = createRequire(from).resolve('@paraloom/peer-monitor/package.json')
  } catch {
    return undefined
  }
  const { bin } = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    bin?: string | Record<string, string>
  }
  const entry = typeof bin === 'string' ? bin : bin?.['peer-monitor']
  return entry === undefined ? undefined : join(dirname(manifestPath), entry)
}

/** Why no peer-monitor was found, and how to get one. */
export const PEER_MONITOR_NOT_FOUND =
  'peer-monitor not found: install @paraloom/peer-monitor where paraloom is installed (npm install -g @paraloom/peer-monitor), build apps/peer-monitor in the workspace, or pass --monitor-bin'

const logPath = (layout: DevnetLayout, name: string): string => join(layout.logsDir, `${name}.log`)

export function standInSpec(layout: DevnetLayout, plan: PortPlan, programId: string): ChildSpec {
  return {
    name: 'registry',
    command: process.execPath,
    args: [
      PARALOOM_BIN,
      'registry',
      'stand-in',
      '--accounts',
      layout.genesisDir,
      '--listen',
      `127.0.0.1:${plan.rpc}`,
      '--program-id',
      programId,
    ],
    logPath: logPath(layout, 'registry'),
  }
}

export type ChildLogLevel = 'debug' | 'info' | 'warn' | 'error'

export function validatorSpec(
  layout: DevnetLayout,
  v: ValidatorLayout,
  logLevel: ChildLogLevel,
): ChildSpec {
  return {
    name: v.name,
    command: process.execPath,
    args: [
      PARALOOM_BIN,
      'validator',
      'start',
      '--config',
      v.configPath,
      '--log-format',
      'text',
      '--log-level',
      logLevel,
    ],
    logPath: logPath(layout, v.name),
  }
}

export function monitorSpec(layout: DevnetLayout, plan: PortPlan, bin: string): ChildSpec {
  return {
    name: 'monitor',
    command: process.execPath,
    args: [
      bin,
      ...plan.validators.flatMap((v) => ['--validator', `127.0.0.1:${v.grpc}`]),
      // The dashboard names each validator as the devnet does.
      ...plan.validators.flatMap((v, i) => [
        '--label',
        `127.0.0.1:${v.grpc}=${layout.validators[i]?.name ?? `validator-${i + 1}`}`,
      ]),
      '--db',
      layout.monitorDbPath,
      '--http',
      `127.0.0.1:${plan.dashboard}`,
    ],
    logPath: logPath(layout, 'monitor'),
  }
}
