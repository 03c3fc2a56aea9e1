// A start that fails half-way is rolled back: what already started (libp2p
// and its listening socket among them) is stopped again before start() rejects.
import { describe, expect, it } from '@jest/globals'
import { probePort } from '@paraloom/test-utils'
import { createParaloomNode, StaticDirectory } from '../src/index.js'
import { makeValidator } from './helpers/nodes.js'

/** A registry whose change feed cannot be subscribed to: the node's start fails after libp2p listens. */
class BrokenDirectory extends StaticDirectory {
  override onChange(): () => void {
    throw new Error('registry feed unavailable')
  }
}

describe('a start that fails half-way', () => {
  it('stops what already started and closes the listening port', async () => {
    const node = await createParaloomNode({
      network: 'localnet',
      listen: ['/ip4/127.0.0.1/tcp/0'],
      privateKey: makeValidator().secretKey,
      directory: new BrokenDirectory(),
    })
    let port: number | undefined
    node.libp2p.addEventListener('transport:listening', (evt) => {
      port = Number(/\/tcp\/(\d+)/.exec(evt.detail.getAddrs()[0]?.toString() ?? '')?.[1])
    })
    await expect(node.start()).rejects.toThrow(/registry feed unavailable/)
    expect(port).toBeGreaterThan(0)
    expect(node.isStarted()).toBe(false)
    expect(node.libp2p.status).toBe('stopped')
    expect(await probePort(port!)).toBe('refused')
    // And a stop after the failed start is a no-op, not a second teardown.
    await node.stop()
  })
})
