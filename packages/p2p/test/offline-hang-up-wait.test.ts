// The OFFLINE hang-up's wait, with stand-in connections: an exchange that
// never ends holds the close back only until maxWaitMs; a peer that answered
// meanwhile keeps its connection; a close that fails aborts the connection.
// And its trigger: a registry transition to OFFLINE, and nothing else.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createPeerRegistry } from '../src/liveness/index.js'
import { hangUpOffline, hangUpOnOffline } from '../src/liveness/offline-hang-up.js'

const SYNC = '/paraloom/localnet/sync/1.0.0'
const peer = {} as PeerId

/** A connection holding one stream of `protocol` that never closes by itself. */
function connection(protocol: string, close: () => Promise<void> = async () => {}) {
  const calls = { closed: 0, aborted: 0 }
  const stream = new EventTarget() as EventTarget & { protocol: string; status: string }
  Object.assign(stream, { protocol, status: 'open' })
  const conn = {
    streams: [stream],
    close: async () => {
      calls.closed++
      await close()
    },
    abort: () => {
      calls.aborted++
    },
  } as unknown as Connection
  return { conn, calls }
}

const init = { exchangeProtocols: new Set([SYNC]), maxWaitMs: 50, closeTimeoutMs: 1000 }

describe('hangUpOffline', () => {
  it('closes a connection whose exchange never ends once maxWaitMs has passed', async () => {
    const { conn, calls } = connection(SYNC)
    const startedAt = Date.now()
    const done = hangUpOffline(
      peer,
      { connections: () => [conn], isOffline: () => true, onCloseFailed: () => {} },
      init,
    )
    expect(calls.closed).toBe(0)
    await done
    expect(calls.closed).toBe(1)
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(init.maxWaitMs - 5)
  })

  it('closes a connection with no exchange at once', async () => {
    const { conn, calls } = connection('/ipfs/ping/1.0.0')
    await hangUpOffline(
      peer,
      { connections: () => [conn], isOffline: () => true, onCloseFailed: () => {} },
      { ...init, maxWaitMs: 60_000 },
    )
    expect(calls.closed).toBe(1)
  })

  it('keeps the connection of a peer that is no longer OFFLINE when the exchange ends', async () => {
    const { conn, calls } = connection(SYNC)
    await hangUpOffline(
      peer,
      { connections: () => [conn], isOffline: () => false, onCloseFailed: () => {} },
      init,
    )
    expect(calls.closed).toBe(0)
  })

  it('aborts a connection whose close fails, and reports it', async () => {
    const { conn, calls } = connection('/ipfs/ping/1.0.0', async () => {
      throw new Error('close timed out')
    })
    const failures: string[] = []
    await hangUpOffline(
      peer,
      {
        connections: () => [conn],
        isOffline: () => true,
        onCloseFailed: (_, err) => failures.push(err.message),
      },
      init,
    )
    expect(calls.aborted).toBe(1)
    expect(failures).toEqual(['close timed out'])
  })
})

describe('hangUpOnOffline', () => {
  it('hangs up on a peer once the registry declares it OFFLINE, and no more once stopped', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const target = peerId.toString()
    const registry = createPeerRegistry({ offlineAfterMissed: 2 })
    const { conn, calls } = connection('/ipfs/ping/1.0.0')
    const asked: string[] = []
    const stop = hangUpOnOffline(
      {
        registry,
        connections: (p) => {
          asked.push(p.toString())
          return [conn]
        },
        onCloseFailed: () => {},
      },
      init,
    )
    registry.addPeer(target, 'validator')
    registry.recordReply(target, 5) // CONNECTED: no hang-up
    registry.recordMiss(target, 'timeout') // one miss of two: still CONNECTED
    await nextTurn()
    expect(asked).toEqual([])
    registry.recordMiss(target, 'timeout') // OFFLINE
    await nextTurn()
    expect(asked).toEqual([target])
    expect(calls.closed).toBe(1)
    stop()
    registry.recordReply(target, 5)
    registry.recordMiss(target, 'timeout')
    registry.recordMiss(target, 'timeout') // OFFLINE again, unwatched
    await nextTurn()
    expect(calls.closed).toBe(1)
  })
})
