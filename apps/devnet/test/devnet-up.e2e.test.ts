import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/proto'
import { connectValidator, listPeers } from 'paraloom/client'
import { isAlive } from './faults/helpers/cluster.js'
import { type DevnetProcess, runDevnetCli, useDevnetRuns, waitUntilGone } from './helpers/devnet.js'

/**
 * Bound on the children's exit after the devnet is SIGKILLed: each stops as
 * on SIGTERM (within 2 s once it sees the pipe end), with room for a loaded machine.
 */
const ORPHANS_GONE_WITHIN_MS = 15_000

const runs = useDevnetRuns('devnet-up-')

async function sigintAndCheck(devnet: DevnetProcess, pids: number[]): Promise<void> {
  const t0 = Date.now()
  process.kill(devnet.child.pid!, 'SIGINT')
  const timer = new AbortController()
  const code = await Promise.race([
    devnet.exited,
    delay(30_000, 'timeout' as const, { signal: timer.signal }),
  ])
  timer.abort()
  console.info(`devnet stopped ${Date.now() - t0} ms after SIGINT, exit code ${code}`)
  expect(code).toBe(0)
  expect(devnet.output).toContain('[devnet] stopped every process')
  await delay(200)
  expect(pids.filter(isAlive)).toEqual([])
}

describe('paraloom-devnet up', () => {
  let peerIds: string[] = []

  it('brings up 4 validators that all see each other, moves traffic, and stops on SIGINT', async () => {
    const devnet = runs.start([
      '--validators',
      '4',
      '--dir',
      runs.dir,
      '--traffic',
      '--blocks-per-second',
      '2',
      '--status-interval-ms',
      '1000',
    ])
    const t0 = Date.now()
    await devnet.waitFor(
      'the listen table',
      () => devnet.output.includes('[devnet] ready:'),
      90_000,
    )
    console.info(`devnet ready ${Date.now() - t0} ms after start`)
    // Progress was visible before the table.
    expect(devnet.output).toMatch(/\[devnet\] identities: 0 reused, 5 created/)
    expect(devnet.output).toMatch(/\[devnet\] waiting for peers: /)
    expect(devnet.output).toMatch(/\[validator-1\] ready: listening on /)

    const rows = devnet.table()
    expect(rows.map((r) => r.name)).toEqual([
      'validator-1',
      'validator-2',
      'validator-3',
      'validator-4',
    ])
    const pids = [...rows.map((r) => r.pid), ...devnet.servicePids()]
    runs.track(...pids)
    expect(pids.every(isAlive)).toBe(true)
    peerIds = rows.map((r) => r.p2p.split('/p2p/')[1]!)

    // Every validator lists the other three CONNECTED.
    for (const row of rows) {
      const clients = connectValidator(row.grpc)
      try {
        const res = await listPeers(clients.peerMonitor)
        const others = res.peers.filter((p) => p.peerId !== peerIds[rows.indexOf(row)])
        expect(others.map((p) => p.peerId).sort()).toEqual(
          peerIds.filter((_, i) => rows[i] !== row).sort(),
        )
        expect(others.every((p) => p.state === PeerState.PEER_STATE_CONNECTED)).toBe(true)
      } finally {
        clients.close()
      }
    }

    // Traffic: status lines appear and the tip every validator has seen moves on.
    await devnet.waitFor('status lines with a tip', () => devnet.tips().size === 4, 30_000)
    const before = devnet.tips()
    await devnet.waitFor(
      'the tip to advance on every validator',
      () => [...devnet.tips()].every(([name, tip]) => tip > (before.get(name) ?? 0) + 2),
      30_000,
    )
    console.info(
      `tips before ${JSON.stringify([...before])}, after ${JSON.stringify([...devnet.tips()])}`,
    )
    const last = devnet
      .lines()
      .filter((l) => /^validator-\d+ \| /.test(l))
      .slice(-4)
    for (const line of last) {
      // Votes were accepted and delivered; nothing honest was rejected.
      const votes = /votes (\d+)\/(\d+)\/(\d+)/.exec(line)!
      expect(Number(votes[1])).toBeGreaterThan(0)
      expect(Number(votes[2])).toBe(0)
      expect(Number(votes[3])).toBeGreaterThan(0)
    }

    await sigintAndCheck(devnet, pids)
  }, 180_000)

  it('keeps the identities when re-run in the same directory, and starts over when a port is taken', async () => {
    expect(peerIds).toHaveLength(4)
    const devnet = runs.start(['--validators', '4', '--dir', runs.dir])
    // Take validator-4's gRPC port between the devnet's port check and its start.
    await devnet.waitFor(
      'the port plan',
      () => /\[devnet\] ports: .*gRPC \d+-(\d+)/.test(devnet.output),
      30_000,
    )
    const grpcLast = Number(/\[devnet\] ports: .*gRPC \d+-(\d+)/.exec(devnet.output)![1])
    // It hangs up on whoever connects (the devnet's gRPC clients), so close() does not wait.
    const squatter = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject)
      squatter.listen(grpcLast, '127.0.0.1', () => resolve())
    })
    try {
      await devnet.waitFor(
        'the listen table',
        () => devnet.output.includes('[devnet] ready:'),
        120_000,
      )
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()))
    }
    expect(devnet.output).toMatch(/EADDRINUSE/)
    expect(devnet.output).toMatch(
      /\[devnet\] a port was taken while starting: starting over with every port shifted by \+\d+/,
    )
    expect(devnet.output).toMatch(/\[devnet\] identities: 5 reused, 0 created/)
    const rows = devnet.table()
    expect(rows.map((r) => r.p2p.split('/p2p/')[1])).toEqual(peerIds)
    expect(rows.map((r) => r.grpc)).not.toContain(`127.0.0.1:${grpcLast}`)
    const pids = [...rows.map((r) => r.pid), ...devnet.servicePids()]
    runs.track(...pids)
    await sigintAndCheck(devnet, pids)
  }, 180_000)

  it('--no-monitor says the monitor was left out on purpose, not that it is not found', async () => {
    const ownDir = await mkdtemp(join(tmpdir(), 'devnet-no-monitor-'))
    try {
      const devnet = runs.start(['--validators', '1', '--dir', ownDir, '--no-monitor'])
      await devnet.waitFor(
        'the listen table',
        () => devnet.output.includes('[devnet] ready:'),
        90_000,
      )
      runs.track(...devnet.table().map((r) => r.pid), ...devnet.servicePids())
      expect(devnet.output).toContain('[devnet] running without the peer-monitor: --no-monitor')
      expect(devnet.output).toMatch(/^monitor {3}not running \(--no-monitor\)$/m)
      expect(devnet.output).not.toContain('not found')
      await devnet.stop()
    } finally {
      await rm(ownDir, { recursive: true, force: true })
    }
  }, 120_000)
})

describe('paraloom-devnet up killed with SIGKILL', () => {
  it('leaves no orphan: the stand-in, every validator and the monitor exit on their own', async () => {
    const killDir = await mkdtemp(join(tmpdir(), 'devnet-kill-'))
    try {
      const devnet = runs.start(['--validators', '2', '--dir', killDir])
      await devnet.waitFor(
        'the listen table',
        () => devnet.output.includes('[devnet] ready:'),
        120_000,
      )
      const pids = [...devnet.table().map((r) => r.pid), ...devnet.servicePids()]
      runs.track(...pids)
      expect(pids).toHaveLength(4) // 2 validators, the stand-in, the monitor
      expect(pids.every(isAlive)).toBe(true)

      const killedAt = Date.now()
      process.kill(devnet.child.pid!, 'SIGKILL')
      await devnet.exited
      // Each child sees its pipe from the devnet end and stops as on SIGTERM.
      const left = await waitUntilGone(pids, ORPHANS_GONE_WITHIN_MS)
      console.info(`children gone ${Date.now() - killedAt} ms after SIGKILL of devnet up`)
      expect(left).toEqual([])
    } finally {
      await rm(killDir, { recursive: true, force: true })
    }
  }, 180_000)
})

describe('paraloom-devnet usage errors', () => {
  it.each([
    [['up', '--validators', '0'], '--validators 0 is not a whole number between 1 and 16'],
    [['up', '--validators', 'four'], '--validators four'],
    [['up', '--port-offset', '-5'], '--port-offset -5'],
    [['up', '--blocks-per-second', '0'], '--blocks-per-second 0'],
    [['init', '--hosts', '10.0.0.1.5'], '--hosts 10.0.0.1.5'],
    [['init', '--rpc-url', 'not a url'], '--rpc-url not a url'],
  ])('%j is one line on stderr and exit 2', (argv, message) => {
    const result = runDevnetCli(argv)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })
})
