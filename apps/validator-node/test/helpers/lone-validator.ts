// One `paraloom validator start` process against a registry stand-in, on
// ports the OS picks (port 0): its gRPC and metrics ports are read from its
// `node started` log line. For tests of what one node says about itself.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LocalRpcStandIn } from '@paraloom/registry/stand-in'
import { generateKeypair, type Keypair, writeKeypairFile } from '../../src/keypair.js'
import { TestValidator } from './cluster.js'

export interface LoneValidatorInit {
  standIn: LocalRpcStandIn
  programId: string
  /** Registry refresh interval, in seconds. @default 1 */
  refreshSecs?: number
  keypair?: Keypair
}

export interface LoneValidator {
  validator: TestValidator
  /** Ports read from the `node started` line. */
  grpcPort: number
  metricsPort: number
  /** The JSON log lines printed so far. */
  logs(): Record<string, unknown>[]
  stop(): Promise<void>
}

/** A validator.toml with every port on 0 (the OS picks; the node reports what it bound). */
export function loneValidatorToml(c: {
  stateDir: string
  keypairPath: string
  rpcUrl: string
  wsUrl: string
  programId: string
  refreshSecs: number
}): string {
  return [
    'network = "devnet"',
    `state_dir = ${JSON.stringify(c.stateDir)}`,
    '[identity]',
    `keypair = ${JSON.stringify(c.keypairPath)}`,
    '[p2p]',
    'listen = ["/ip4/127.0.0.1/tcp/0"]',
    '[registry]',
    `rpc_url = ${JSON.stringify(c.rpcUrl)}`,
    `ws_url = ${JSON.stringify(c.wsUrl)}`,
    `program_id = ${JSON.stringify(c.programId)}`,
    `refresh_secs = ${c.refreshSecs}`,
    '[grpc]',
    'listen = "127.0.0.1:0"',
    '[metrics]',
    'listen = "127.0.0.1:0"',
    '',
  ].join('\n')
}

/** Writes a keypair and validator.toml into a temp directory and starts the node. */
export async function startLoneValidator(init: LoneValidatorInit): Promise<LoneValidator> {
  const dir = await mkdtemp(join(tmpdir(), 'paraloom-lone-'))
  const keypair = init.keypair ?? generateKeypair()
  const keypairPath = join(dir, 'validator.json')
  await writeKeypairFile(keypairPath, keypair)
  const configPath = join(dir, 'validator.toml')
  await writeFile(
    configPath,
    loneValidatorToml({
      stateDir: join(dir, 'state'),
      keypairPath,
      rpcUrl: init.standIn.rpcUrl,
      wsUrl: init.standIn.wsUrl,
      programId: init.programId,
      refreshSecs: init.refreshSecs ?? 1,
    }),
  )
  const validator = new TestValidator(0, keypair, configPath, { p2p: 0, grpc: 0, metrics: 0 })
  const logs = (): Record<string, unknown>[] =>
    validator.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
  try {
    await validator.start()
    const started = JSON.parse(await validator.waitForLine(/"msg":"node started"/))
    return {
      validator,
      grpcPort: started.grpcPort,
      metricsPort: started.metricsPort,
      logs,
      stop: async () => {
        await validator.stop()
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await validator.stop()
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/** GET /healthz of a node: status and JSON body. */
export async function healthz(
  metricsPort: number,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/healthz`, {
    signal: AbortSignal.timeout(5000),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
