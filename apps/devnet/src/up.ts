/**
 * `paraloom-devnet up`: prepares the files, starts the registry stand-in,
 * the validators and the peer-monitor as child processes, waits until every
 * validator sees every other CONNECTED, prints who listens where, then runs
 * traffic and status lines until asked to stop. Stopping (Ctrl-C) stops
 * every child and resolves 0.
 *
 * A child that dies on its own is never restarted (see `processes.ts`).
 * Before the devnet is ready it stops everything (nothing can be ready
 * without it). Once ready, the death is reported (how it ended, its last
 * lines, its log) and the rest keep running, the status lines saying DOWN
 * for it every round; the run then resolves 1 when stopped. With
 * `exitOnFailure` (for CI) the first death stops everything at once and
 * resolves 1, naming the dead child.
 *
 * The logs of earlier runs are kept: `logs/<name>.log.1` is the run before.
 */
import { mkdir } from 'node:fs/promises'
import { peerIdFromPublicKeyBytes, solanaAddressFromPublicKey } from '@paraloom/p2p'
import { connectValidator, type ValidatorClients } from 'paraloom/client'
import {
  type ChildLogLevel,
  monitorSpec,
  PEER_MONITOR_NOT_FOUND,
  standInSpec,
  validatorSpec,
} from './children.js'
import { DevnetError } from './errors.js'
import { type DeadChild, deathReport, deathSummary } from './failures.js'
import { DEVNET_TIMINGS } from './files.js'
import { allPorts, devnetLayout, type PortPlan } from './layout.js'
import { rotateLogs } from './log-rotation.js'
import { choosePorts } from './ports.js'
import { type PreparedDevnet, prepareDevnet } from './prepare.js'
import { ChildProcesses } from './processes.js'
import { waitForRpcHealth, waitUntilAllConnected } from './readiness.js'
import { startStatusLines } from './status-line.js'
import { startTraffic, type Traffic } from './traffic.js'

export interface DevnetUpOptions {
  dir: string
  validators: number
  /** A fixed shift of every default port; without it busy defaults shift by 100s. */
  portOffset?: number
  traffic: boolean
  /** Heights per second of the traffic generator. */
  blocksPerSecond: number
  /** Time between two rounds of status lines, in milliseconds. */
  statusIntervalMs: number
  /** Deadline for every validator to see every other CONNECTED, in milliseconds. */
  readyTimeoutMs: number
  /** Log level of the validator processes. */
  logLevel: ChildLogLevel
  /** peer-monitor entry point; undefined when it is not available or not wanted. */
  monitorBin?: string
  /** Why there is no monitorBin, as the status lines say it. @default PEER_MONITOR_NOT_FOUND */
  monitorOffReason?: string
  /** Stop everything and resolve 1 as soon as a child dies, also once the devnet is ready. */
  exitOnFailure: boolean
  /** Earlier runs whose logs are kept (`<name>.log.1` … `.<keepLogs>`). */
  keepLogs: number
}

const NETWORK = 'devnet'
const HOST = '127.0.0.1'

/** Bring-ups retried when a port is taken between the check and a child binding it. */
const MAX_PORT_RACE_RETRIES = 3
const PORT_RACE_SHIFT = 100

/**
 * Runs the devnet until `stop` aborts (resolves 0) or a child fails (resolves 1).
 * A port is free when checked but may be taken before a child binds it (the
 * gRPC ports sit inside Linux's ephemeral range); a child that dies of
 * EADDRINUSE before the devnet is ready makes it start over with every port
 * shifted, up to three times, unless --port-offset fixed the ports.
 */
export async function devnetUp(
  options: DevnetUpOptions,
  print: (line: string) => void,
  stop: AbortSignal,
): Promise<number> {
  const say = (line: string): void => print(`[devnet] ${line}`)
  const { logsDir } = devnetLayout(options.dir, options.validators)
  const kept = await rotateLogs(logsDir, options.keepLogs)
  if (kept.length > 0) say(`logs of the previous run kept as ${kept.join(', ')} in ${logsDir}`)
  let firstOffset = 0
  for (let attempt = 0; ; attempt++) {
    const outcome = await bringUp(options, firstOffset, print, stop)
    if (outcome.kind === 'done') return outcome.code
    if (options.portOffset !== undefined || attempt >= MAX_PORT_RACE_RETRIES || stop.aborted) {
      return 1
    }
    firstOffset = outcome.offset + PORT_RACE_SHIFT
    say(`a port was taken while starting: starting over with every port shifted by +${firstOffset}`)
  }
}

type Outcome = { kind: 'done'; code: number } | { kind: 'port-race'; offset: number }

async function bringUp(
  options: DevnetUpOptions,
  firstOffset: number,
  print: (line: string) => void,
  stop: AbortSignal,
): Promise<Outcome> {
  const say = (line: string): void => print(`[devnet] ${line}`)
  const { plan, busyAtDefault } = await choosePorts(options.validators, {
    host: HOST,
    offset: options.portOffset,
    firstOffset,
  })
  if (busyAtDefault.length > 0) {
    say(`ports ${busyAtDefault.join(', ')} are in use: every port shifted by +${plan.offset}`)
  }
  say(`ports: ${describePorts(plan)}`)
  const prepared = await prepareDevnet({
    dir: options.dir,
    validators: options.validators,
    network: NETWORK,
    addressing: { kind: 'loopback' },
    plan,
    rpcUrl: `http://${HOST}:${plan.rpc}`,
    timings: DEVNET_TIMINGS,
    print: say,
  })
  const { layout } = prepared

  // Aborted by Ctrl-C, or by a child that dies when that stops the devnet: everything stops.
  const run = new AbortController()
  let failure: string | undefined
  let ready = false
  let portRace = false
  /** Children that died once the devnet was ready, while the rest kept running. */
  const dead = new Map<string, DeadChild>()
  const children = new ChildProcesses({
    print,
    onUnexpectedExit(name, exit, lastLines, logPath) {
      if (failure !== undefined || run.signal.aborted) return
      const child: DeadChild = { name, exit, atMs: Date.now(), logPath, lastLines }
      if (ready && !options.exitOnFailure) {
        dead.set(name, child)
        say(deathReport(child))
        say('the others keep running (--exit-on-failure would stop them)')
        return
      }
      portRace = !ready && lastLines.some((l) => l.includes('EADDRINUSE'))
      failure = deathReport(child)
      run.abort(new DevnetError('ChildExited', failure))
    },
  })
  const onStop = (): void => run.abort(stop.reason)
  stop.addEventListener('abort', onStop, { once: true })
  if (stop.aborted) onStop()
  // A devnet that dies on an uncaught error must not leave validators behind.
  const killOnExit = (): void => children.killAllNow()
  process.once('exit', killOnExit)

  const clients: ValidatorClients[] = []
  let traffic: Traffic | undefined
  let status: { stop(): Promise<void> } | undefined
  try {
    await startChildren(options, prepared, plan, children, say, run.signal)
    for (const p of plan.validators) clients.push(connectValidator(`${HOST}:${p.grpc}`))
    const targets = layout.validators.map((v, i) => ({
      name: v.name,
      identity: solanaAddressFromPublicKey(prepared.identities.validators[i]!.publicKey),
      peerMonitor: clients[i]!.peerMonitor,
    }))
    say(`waiting until every validator sees the other ${options.validators - 1} CONNECTED`)
    await waitUntilAllConnected(targets, {
      deadlineMs: options.readyTimeoutMs,
      progress: say,
      signal: run.signal,
    })
    ready = true
    print(listenTable(prepared, plan, children.pids(), options))
    say(`ready: ${options.validators} validators connected to each other. Ctrl-C stops everything.`)
    if (options.traffic) {
      traffic = startTraffic({
        network: NETWORK,
        validators: layout.validators.map((v, i) => ({
          name: v.name,
          keypair: prepared.identities.validators[i]!,
          gossip: clients[i]!.gossip,
        })),
        blocksPerSecond: options.blocksPerSecond,
      })
      say(
        `traffic: ${options.blocksPerSecond} block(s)/s, round-robin proposer, prevote+precommit from every validator, a compute result every 5 heights`,
      )
    }
    status = startStatusLines({
      sources: layout.validators.map((v, i) => ({
        name: v.name,
        metricsUrl: `http://${HOST}:${plan.validators[i]!.metrics}/metrics`,
        peerMonitor: clients[i]!.peerMonitor,
      })),
      traffic: traffic === undefined ? undefined : () => traffic!.stats(),
      intervalMs: options.statusIntervalMs,
      dead: () => dead,
      print,
    })
    await new Promise<void>((resolve) => {
      if (run.signal.aborted) resolve()
      run.signal.addEventListener('abort', () => resolve(), { once: true })
    })
  } catch (err) {
    // Errors caused by the abort itself say nothing new.
    if (!run.signal.aborted) {
      failure = (err as Error).message
      run.abort(err)
    }
  } finally {
    stop.removeEventListener('abort', onStop)
    say(failure === undefined ? 'stopping…' : `stopping: ${failure}`)
    await status?.stop()
    await traffic?.stop()
    for (const c of clients) c.close()
    await stopChildren(
      children,
      layout.validators.map((v) => v.name),
    )
    process.off('exit', killOnExit)
    say(`stopped every process (${allPorts(plan).length} ports released)`)
    for (const child of dead.values()) say(`this run had a failure: ${deathSummary(child)}`)
  }
  if (portRace) return { kind: 'port-race', offset: plan.offset }
  return { kind: 'done', code: failure === undefined && dead.size === 0 ? 0 : 1 }
}

async function startChildren(
  options: DevnetUpOptions,
  prepared: PreparedDevnet,
  plan: PortPlan,
  children: ChildProcesses,
  say: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const { layout, identities } = prepared
  say(`starting the registry stand-in on http://${HOST}:${plan.rpc} (ws ${plan.ws})`)
  await children.start(standInSpec(layout, plan, identities.programId))
  await waitForRpcHealth(`http://${HOST}:${plan.rpc}`, { signal })
  for (const v of layout.validators) {
    signal.throwIfAborted()
    say(`starting ${v.name} (config ${v.configPath})`)
    await children.start(validatorSpec(layout, v, options.logLevel))
  }
  if (options.monitorBin === undefined) {
    say(`running without the peer-monitor: ${monitorOffReason(options)}`)
  } else {
    say(`starting peer-monitor, dashboard on http://${HOST}:${plan.dashboard}`)
    await mkdir(layout.monitorDir, { recursive: true })
    await children.start(monitorSpec(layout, plan, options.monitorBin))
  }
}

/** Monitor first, then every validator together, then the registry they read. */
async function stopChildren(children: ChildProcesses, validators: string[]): Promise<void> {
  await children.stop(['monitor'])
  await children.stop(validators)
  await children.stopAll()
}

/** `p2p 9001-9004, gRPC 50051-50054, metrics 9464-9467, rpc 8899 (ws 8900), dashboard 8080`. */
function describePorts(plan: PortPlan): string {
  const range = (k: 'p2p' | 'grpc' | 'metrics'): string => {
    const first = plan.validators[0]![k]
    const last = plan.validators[plan.validators.length - 1]![k]
    return first === last ? String(first) : `${first}-${last}`
  }
  return `p2p ${range('p2p')}, gRPC ${range('grpc')}, metrics ${range('metrics')}, rpc ${plan.rpc} (ws ${plan.ws}), dashboard ${plan.dashboard}`
}

function listenTable(
  prepared: PreparedDevnet,
  plan: PortPlan,
  pids: Map<string, number>,
  options: DevnetUpOptions,
): string {
  const rows = [['NAME', 'PID', 'P2P', 'GRPC', 'METRICS']]
  prepared.layout.validators.forEach((v, i) => {
    const peerId = peerIdFromPublicKeyBytes(prepared.identities.validators[i]!.publicKey)
    const ports = plan.validators[i]!
    rows.push([
      v.name,
      String(pids.get(v.name) ?? '-'),
      `${prepared.endpoints[i]!.registered}/p2p/${peerId.toString()}`,
      `${HOST}:${ports.grpc}`,
      `http://${HOST}:${ports.metrics}/metrics`,
    ])
  })
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  )
  lines.push(
    `registry  pid ${pids.get('registry') ?? '-'}  rpc http://${HOST}:${plan.rpc}  ws ws://${HOST}:${plan.ws}  program ${prepared.identities.programId}`,
  )
  lines.push(
    options.monitorBin !== undefined
      ? `monitor   pid ${pids.get('monitor') ?? '-'}  dashboard http://${HOST}:${plan.dashboard}`
      : `monitor   not running (${monitorOffReason(options)})`,
  )
  return lines.join('\n')
}

function monitorOffReason(options: DevnetUpOptions): string {
  return options.monitorOffReason ?? PEER_MONITOR_NOT_FOUND
}
