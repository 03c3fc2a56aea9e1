import { createServer } from 'node:net'
import { describe, expect, it } from '@jest/globals'
import { freePorts, probePort } from '../src/index.js'

describe('ports', () => {
  it('freePorts gives distinct ports; probePort tells a listening one from a closed one', async () => {
    const ports = await freePorts(3)
    expect(new Set(ports).size).toBe(3)
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve))
    try {
      expect(await probePort(ports[0]!)).toBe('accepted')
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    expect(await probePort(ports[0]!)).toBe('refused')
  })
})
