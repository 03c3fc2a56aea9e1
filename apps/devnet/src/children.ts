/**
 * The commands a devnet runs, one {@link ChildSpec} each: the same CLI
 * commands an operator (or the docker-compose services) would type.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { DevnetLayout, PortPlan, ValidatorLayout } from './layout.js'
import type { ChildSpec } from './processes.js'

/**
 * The file of bin `bin` of package `name` as Node resolves the package from
 * here (both CLIs are dependencies of this one), or undefined when the
 * package is not installed or that file is missing (a workspace that has not
 * built it yet).
 */
export function installedBin(name: string, bin: string): string | undefined {
  let manifestPath: string
  try {
    manifestPath = createRequire(import.meta.url).resolve(`${name}/package.json`)
  } catch {
    return undefined
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    bin?: string | Record<string, string>
  }
  const entry = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[bin]
  if (entry === undefined) return undefined
  const file = join(dirname(manifestPath), entry)
  return existsSync(file) ? file : undefined
}

/** The `paraloom` CLI the validators and the registry stand-in run. */
export function paraloomBin(): string {
  const file = installedBin('paraloom', 'paraloom')
  if (file === undefined) {
    throw new Error(
      'the paraloom CLI was not found: install paraloom (a dependency of @paraloom/devnet), or build apps/validator-node in the workspace',
    )
  }
  return file
}

/** The peer-monitor entry point to run: `explicit` if given, else the installed `@paraloom/peer-monitor`. */
export function findPeerMonitorBin(explicit?: string): string | undefined {
  return explicit ?? installedBin('@paraloom/peer-monitor', 'peer-monitor')
}

/** Why no peer-monitor was found, and how to get one. */
export const PEER_MONITOR_NOT_FOUND =
  'peer-monitor not found: install @paraloom/peer-monitor (a dependency of @paraloom/devnet), build apps/peer-monitor in the workspace, or pass --monitor-bin'

const logPath = (layout: DevnetLayout, name: string): string => join(layout.logsDir, `${name}.log`)

export function standInSpec(layout: DevnetLayout, plan: PortPlan, programId: string): ChildSpec {
  return {
    name: 'registry',
    command: process.execPath,
    args: [
      paraloomBin(),
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
      paraloomBin(),
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
