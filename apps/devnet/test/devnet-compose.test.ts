// docker-compose.yml and the Dockerfile, checked without a Docker engine:
// dclint against the compose schema, the services' wiring, and the genesis
// service's own command run for real with /devnet mapped to a temp dir,
// whose output must match what the validator services expect.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { decodeValidatorAccount, readGenesisDirectory } from '@paraloom/registry'
import { loadConfig } from 'paraloom/config'
import { parse } from 'yaml'
import { CLI } from './helpers/devnet.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const VALIDATORS = ['validator-1', 'validator-2', 'validator-3', 'validator-4']

interface Service {
  image?: string
  build?: unknown
  entrypoint?: string[]
  command?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  networks?: Record<string, { ipv4_address?: string }> | string[]
  ports?: string[]
  volumes?: string[]
  restart?: string
}
interface Compose {
  services: Record<string, Service>
  volumes: Record<string, unknown>
}

let compose: Compose
let dockerfile: string
let work: string
beforeAll(async () => {
  compose = parse(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true })
  dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8')
  work = await mkdtemp(join(tmpdir(), 'devnet-compose-'))
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

/** The container port a `host:port:container` mapping publishes. */
const containerPort = (mapping: string): number => Number(mapping.split(':').pop())

describe('docker-compose.yml', () => {
  it('passes dclint (the compose schema and its rules)', () => {
    const result = spawnSync(join(ROOT, 'node_modules/.bin/dclint'), ['docker-compose.yml'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('')
    expect(result.status).toBe(0)
  })

  it('has the services, named volumes and start order of the devnet', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['genesis', 'monitor', 'solana', ...VALIDATORS].sort(),
    )
    expect(Object.keys(compose.volumes).sort()).toEqual(['devnet', 'ledger', 'monitor'])
    expect(compose.services.genesis!.restart).toBe('no')
    for (const name of VALIDATORS) {
      const s = compose.services[name]!
      expect(s.depends_on).toEqual({
        genesis: { condition: 'service_completed_successfully' },
        solana: { condition: 'service_healthy' },
      })
      expect(s.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:9464/healthz')
      expect(s.volumes).toEqual(['devnet:/devnet'])
    }
    expect(Object.values(compose.services.monitor!.depends_on!)).toEqual(
      VALIDATORS.map(() => ({ condition: 'service_healthy' })),
    )
  })

  it('runs the real solana-test-validator on the genesis files', () => {
    const solana = compose.services.solana!
    expect(solana.image).toMatch(/^anzaxyz\/agave:v\d+\.\d+\.\d+$/)
    expect(solana.entrypoint).toEqual(['solana-test-validator'])
    const args = solana.command!.join(' ')
    expect(args).toContain('--reset')
    expect(args).toContain('--account-dir /devnet/genesis')
    expect(args).toContain('--rpc-port 8899')
    expect(solana.ports!.map(containerPort).sort()).toEqual([8899, 8900])
    expect(solana.healthcheck?.test).toContain('solana')
    expect(solana.volumes).toContain('devnet:/devnet:ro')
  })

  it('builds every Paraloom service from the repository Dockerfile', () => {
    for (const name of ['genesis', 'monitor', ...VALIDATORS]) {
      expect(compose.services[name]!.image).toBe('paraloom:devnet')
      expect(compose.services[name]!.build).toEqual({ context: '.', dockerfile: 'Dockerfile' })
    }
    expect(compose.services.monitor!.entrypoint).toEqual(['peer-monitor'])
    expect(compose.services.genesis!.entrypoint).toEqual(['paraloom-devnet'])
    expect(compose.services.monitor!.ports).toEqual(['127.0.0.1:8080:8080'])
  })

  it("writes, with the genesis service's own command, what every validator service reads", async () => {
    const genesis = compose.services.genesis!.command!
    // The same command, with the volume mount point mapped to a temp dir.
    const args = genesis.map((a) => a.replace(/^\/devnet/, work))
    const result = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    // Idempotent: a second run reuses every identity.
    const again = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 })
    expect(again.stdout).toContain('identities: 5 reused, 0 created')

    const accounts = await readGenesisDirectory(join(work, 'genesis'))
    const registered = new Set(
      accounts
        .filter((a) => a.data.length > 100)
        .flatMap((a) => decodeValidatorAccount(a.data).multiaddrs),
    )
    for (const name of VALIDATORS) {
      const s = compose.services[name]!
      const configArg = s.command![s.command!.indexOf('--config') + 1]!
      expect(s.command!.slice(0, 2)).toEqual(['validator', 'start'])
      const config = await loadConfig(configArg.replace(/^\/devnet/, work))
      const ip = (s.networks as Record<string, { ipv4_address: string }>).devnet!.ipv4_address
      // The registry advertises the service's fixed address on the port it listens on.
      expect(registered.has(`/ip4/${ip}/tcp/9001`)).toBe(true)
      expect(config.p2p.listen).toEqual(['/ip4/0.0.0.0/tcp/9001'])
      expect(config.p2p.announce).toEqual([`/ip4/${ip}/tcp/9001`])
      expect(config.registry.rpcUrl).toBe('http://solana:8899')
      // Published ports and the health check point at what the config listens on.
      expect(s.ports!.map(containerPort).sort()).toEqual(
        [
          Number(config.grpc.listen.split(':')[1]),
          Number(config.metrics.listen.split(':')[1]),
        ].sort(),
      )
      const monitorArgs = compose.services.monitor!.command!.join(' ')
      expect(monitorArgs).toContain(`--validator ${name}:${config.grpc.listen.split(':')[1]}`)
    }
  })
})

describe('Dockerfile', () => {
  it('is multi-stage on Node 22, production dependencies only, non-root, paraloom entrypoint', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22-bookworm-slim$/m)
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)).toHaveLength(2)
    expect(dockerfile).toContain('deploy --prod /out/paraloom')
    expect(dockerfile).toContain('deploy --prod /out/peer-monitor')
    expect(dockerfile).toContain('deploy --prod /out/devnet')
    expect(dockerfile).toContain('/usr/local/bin/paraloom-devnet')
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/^ENTRYPOINT \["paraloom"\]$/m)
    // The runtime stage copies only the deployed trees.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '))
    expect(runtime.match(/^COPY .*$/gm)).toEqual([
      'COPY --from=build --chown=node:node /out/paraloom /app/paraloom',
      'COPY --from=build --chown=node:node /out/peer-monitor /app/peer-monitor',
      'COPY --from=build --chown=node:node /out/devnet /app/devnet',
    ])
  })
})
