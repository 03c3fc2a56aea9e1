// `paraloom peers` as an operator runs it, against real validator processes:
// the table, --json, --config, and --watch following a validator going
// OFFLINE and the watched node restarting under it. And what the validator's
// own log says meanwhile.
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { eventually, TestProcess } from '@paraloom/test-utils'
import { builtCliPath, spawnCli } from './helpers/cli.js'
import { Cluster } from './helpers/cluster.js'

jest.setTimeout(300_000)

/** The CLI as a process; a loaded machine takes seconds just to load it. */
const cli = (args: string[]) => spawnCli(args, { timeoutMs: 90_000 })

let cluster: Cluster
beforeAll(async () => {
  cluster = await Cluster.start({ size: 3 })
}, 120_000)
afterAll(async () => {
  await cluster?.stop()
})

/** `peers --json` of validator 0, parsed, once every other validator is CONNECTED. */
async function connectedJson(): Promise<Record<string, unknown>[]> {
  return eventually(
    'validator 0 to list both others CONNECTED',
    async () => {
      const r = await cli(['peers', '--grpc', cluster.validators[0]!.grpcAddress, '--json'])
      if (r.code !== 0) throw new Error(r.stderr)
      const rows = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      return rows.length === 2 && rows.every((p) => p.state === 'CONNECTED') ? rows : undefined
    },
    { timeoutMs: 180_000, intervalMs: 500 },
  )
}

describe('paraloom peers', () => {
  it('--json: one object per peer with validator, peer_id, state, rtt_ms, since_ms', async () => {
    const rows = await connectedJson()
    const [, v1, v2] = cluster.validators
    expect(rows.map((r) => r.validator).sort()).toEqual([v1!.identity, v2!.identity].sort())
    for (const row of rows) {
      expect(row).toMatchObject({
        peer_id: expect.stringMatching(/^12D3KooW/),
        state: 'CONNECTED',
        rtt_ms: expect.any(Number),
        since_ms: expect.any(Number),
        missed: expect.any(Number),
      })
      expect(row.since_ms as number).toBeLessThanOrEqual(Date.now())
    }
  })

  it('prints a table with a summary line, from the address in --config', async () => {
    await connectedJson()
    const r = await cli(['peers', '--config', cluster.validators[0]!.configPath])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^VALIDATOR +PEER ID +STATE +FOR +RTT +MISSED$/)
    expect(lines).toHaveLength(4)
    expect(lines[1]).toMatch(/ CONNECTED +[\d.]+(ms|s|m\d\ds) +[\d.]+ ms +\d+$/)
    expect(lines[3]).toBe(
      `2 peers: 2 CONNECTED, 0 SLOW, 0 OFFLINE, 0 UNKNOWN (seen by ${cluster.validators[0]!.identity} on devnet)`,
    )
  })

  it('--watch follows a validator going OFFLINE, and resumes after the watched node restarts', async () => {
    await connectedJson()
    const [v0, , v2] = cluster.validators
    const watcher = new WatchProcess(['peers', '--grpc', v0!.grpcAddress, '--watch', '--json'])
    try {
      // The opening snapshot: both peers.
      await watcher.until('the snapshot', () =>
        watcher.objects().filter((o) => o.event === 'peer').length >= 2 ? true : undefined,
      )
      v2!.kill('SIGKILL')
      const offline = await watcher.until('v2 OFFLINE', () =>
        watcher
          .objects()
          .find(
            (o) =>
              o.event === 'transition' && o.validator === v2!.identity && o.state === 'OFFLINE',
          ),
      )
      expect(offline).toMatchObject({
        from_state: expect.stringMatching(/^(CONNECTED|SLOW)$/),
        reason: expect.stringMatching(/^(timeout|dial-failed|dial-backoff|ping-failed)$/),
        peer_id: v2!.peerId,
      })

      // The watched node restarts: the watcher says it lost it, reconnects, is told of the
      // restart (a gap), then gets the new run: its replay if the node holds it, else a snapshot.
      const seenBefore = watcher.objects().length
      await v0!.stop()
      await watcher.until('a reconnecting notice', () =>
        /reconnecting in/.test(watcher.stderr) ? true : undefined,
      )
      await v0!.start()
      await watcher.until('the restart gap, then the new run', () => {
        const after = watcher.objects().slice(seenBefore)
        const gap = after.findIndex((o) => o.event === 'gap' && o.reason === 'restarted')
        return gap >= 0 &&
          after.slice(gap + 1).some((o) => o.event === 'peer' || o.event === 'transition')
          ? true
          : undefined
      })
      expect(watcher.stderr).toMatch(/resuming after transition \d+/)
      expect(await watcher.interrupt()).toBe(0)
    } finally {
      watcher.kill()
      await v2!.start()
    }
  })

  it('a gRPC server that never answers: one line and exit 1 after --timeout-ms', async () => {
    // Accepts TCP and says nothing: no HTTP/2 preface, no gRPC.
    const silent: Server = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as { port: number }
    try {
      const r = await cli(['peers', '--grpc', `127.0.0.1:${port}`, '--timeout-ms', '500'])
      expect(r.code).toBe(1)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toContain(`paraloom: peers: 127.0.0.1:${port}: no answer within 500 ms`)
    } finally {
      silent.close()
    }
  })

  it.each([
    [['--grpc', 'nope'], '--grpc must be HOST:PORT'],
    [['--grpc', '127.0.0.1:99999'], '--grpc must be HOST:PORT'],
    [['--timeout-ms', '0'], '--timeout-ms must be an integer'],
    [['--timeout-ms', '1e3'], '--timeout-ms must be an integer'],
    [['--grpc', '127.0.0.1:1', '--config', 'x.toml'], 'cannot be used with'],
    [['--config', '/nonexistent/validator.toml'], 'does not exist'],
  ])('%j is one line on stderr and exit 2', async (args, message) => {
    const r = await cli(['peers', ...args])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
  })
})

describe("the validator's log tells the story at info", () => {
  it('peer transitions with validator, from, to, reason; validators removed from and added to the registry', async () => {
    await connectedJson()
    const [v0, v1] = cluster.validators
    const logs = (): Record<string, unknown>[] =>
      v0!.lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    const until = <T>(what: string, check: () => T | undefined): Promise<T> =>
      eventually(what, check, { timeoutMs: 120_000, intervalMs: 200 })
    try {
      v1!.kill('SIGKILL')
      const offline = await until('v0 to log v1 OFFLINE', () =>
        logs().find(
          (l) => l.msg === 'peer transition' && l.validator === v1!.identity && l.to === 'OFFLINE',
        ),
      )
      expect(offline).toMatchObject({
        level: 'info',
        from: expect.any(String),
        reason: expect.any(String),
        missed: expect.any(Number),
      })

      const v1Spec = {
        identity: v1!.keypair.publicKey,
        network: 'devnet' as const,
        multiaddrs: [`/ip4/127.0.0.1/tcp/${v1!.ports.p2p}`],
        stake: 1_000_000n,
      }
      await cluster.standIn.deactivate(v1!.keypair.publicKey)
      await until('v0 to log v1 removed', () =>
        logs().find(
          (l) => l.msg === 'validator removed from the registry' && l.validator === v1!.identity,
        ),
      )
      await cluster.standIn.upsertValidator(v1Spec)
      const added = await until('v0 to log v1 added', () =>
        logs().find(
          (l) => l.msg === 'validator added to the registry' && l.validator === v1!.identity,
        ),
      )
      expect(added).toMatchObject({
        level: 'info',
        multiaddrs: [expect.stringContaining(`/tcp/${v1!.ports.p2p}`)],
      })
    } finally {
      if (!v1!.running) await v1!.start()
    }
  })
})

/** A `paraloom peers --watch` child: its JSON lines and stderr, signalled by pid. */
class WatchProcess {
  readonly process: TestProcess

  constructor(args: string[]) {
    this.process = TestProcess.node(builtCliPath, args, { name: 'paraloom peers --watch' })
  }

  get stderr(): string {
    return this.process.stderr
  }

  objects(): Record<string, unknown>[] {
    return this.process.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  }

  until<T>(what: string, check: () => T | undefined): Promise<T> {
    return this.process.until(what, check, 120_000)
  }

  /** Ctrl-C; resolves with the exit code. */
  async interrupt(): Promise<number | null> {
    this.process.kill('SIGINT')
    return (await this.process.exited).code
  }

  kill(): void {
    this.process.signal('SIGKILL')
  }
}
