// The write coalescer on its own: the socket is corked around exactly one
// send, uncorked even when the send throws; other connections are left alone.
import { describe, expect, it } from '@jest/globals'
import type { Connection } from '@libp2p/interface'
import { coalesceWrites } from '../src/transport/coalesce-writes.js'

describe('coalesceWrites', () => {
  function fakeConnection(sendData: (data: unknown) => unknown) {
    const calls: string[] = []
    const maConn = {
      socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') },
      sendData(data: unknown) {
        calls.push(`send ${String(data)}`)
        return sendData(data)
      },
    }
    return { conn: { maConn } as unknown as Connection, maConn, calls }
  }

  it('corks the socket around exactly one send and returns what the send returned', () => {
    const { conn, maConn, calls } = fakeConnection(() => ({ canSendMore: true }))
    expect(coalesceWrites(conn)).toBe(true)
    expect(maConn.sendData('a')).toEqual({ canSendMore: true })
    expect(maConn.sendData('b')).toEqual({ canSendMore: true })
    expect(calls).toEqual(['cork', 'send a', 'uncork', 'cork', 'send b', 'uncork'])
  })

  it('uncorks when the send throws, and the error still reaches the caller', () => {
    const { conn, maConn, calls } = fakeConnection(() => {
      throw new Error('socket gone')
    })
    coalesceWrites(conn)
    expect(() => maConn.sendData('a')).toThrow('socket gone')
    expect(calls).toEqual(['cork', 'send a', 'uncork'])
  })

  it('leaves a connection that is not a TCP one of the known shape alone', () => {
    expect(coalesceWrites({} as Connection)).toBe(false)
    expect(coalesceWrites({ maConn: { sendData: () => undefined } } as unknown as Connection)).toBe(
      false,
    )
    expect(coalesceWrites({ maConn: { socket: {} } } as unknown as Connection)).toBe(false)
  })
})
