// Discovery with real nodes on 127.0.0.1: 8 validators that know only the
// registry's seed list fill every routing table; a late joiner is found
// through the DHT even when its registry entry is stale; a registry change
// dials a new validator and disconnects a deactivated one; two networks
// never connect or mesh.
import { afterAll, describe, expect, it } from '@jest/globals'
import { sleep, waitFor } from '@paraloom/test-utils'
import { StaticDirectory, seedPeer } from '../src/index.js'
import {
  connected,
  makeValidator,
  seedOf,
  startCluster,
  startNode,
  stopAll,
} from './helpers/nodes.js'

afterAll(stopAll)

describe('discovery', () => {
  it('8 nodes seeded from the registry end with every validator in every routing table', async () => {
    const { nodes } = await startCluster(8)
    // Eight nodes' dials, identify and kad pings: on a busy machine (CI runs
    // every package at once) this takes many refresh rounds; the bound ends a hang.
    await waitFor(
      'full routing tables',
      () => nodes.every((n) => n.routingTableSize() === nodes.length - 1),
      75_000,
    )
    for (const node of nodes) expect(node.routingTableSize()).toBe(7)
  }, 90_000)

  it('finds a late joiner through the DHT even when its registry entry is stale', async () => {
    const { nodes, directory } = await startCluster(4)
    await waitFor('a connected cluster', () => nodes.every((n) => n.libp2p.getPeers().length === 3))
    const late = makeValidator()
    const lateNode = await startNode(late, directory)
    // The registry lists the late joiner at an address it no longer uses.
    directory.add(seedPeer(late.publicKey, ['/ip4/127.0.0.1/tcp/9']))
    // It dials the others itself (their seeds are right) and puts its record.
    const recordPut = new Promise<void>((resolve) => {
      lateNode.addEventListener('discovery:round', (evt) => {
        if (evt.detail.published) resolve()
      })
    })
    await recordPut
    const found = await nodes[0]!.findValidator(lateNode.identity)
    expect(found.peerId.equals(lateNode.peerId)).toBe(true)
    expect(found.multiaddrs.map(String)).toEqual(lateNode.getMultiaddrs().map(String))
    await expect(nodes[0]!.findValidator(makeValidator().publicKey)).rejects.toMatchObject({
      name: 'DiscoveryError',
      code: 'NotFound',
    })
  })

  it('dials a newly registered validator and disconnects a deactivated one', async () => {
    const { nodes, directory } = await startCluster(3)
    await waitFor('a connected cluster', () => nodes.every((n) => n.libp2p.getPeers().length === 2))
    const newcomer = makeValidator()
    // The newcomer knows no seeds (and admits anyone): the cluster must dial it when the registry lists it.
    const newcomerNode = await startNode(newcomer, new StaticDirectory(), { admission: 'open' })
    directory.add(seedOf(newcomer, newcomerNode))
    await waitFor('the cluster dialling the newcomer', () =>
      nodes.every((n) => connected(n, newcomerNode)),
    )

    const [gone, ...rest] = nodes
    directory.remove(gone!.peerId.publicKey!.raw)
    await waitFor('the deactivated validator disconnected', () =>
      rest.every((n) => !connected(n, gone!)),
    )
    // and it stays out: refresh rounds do not redial it, and its own dials are refused.
    await sleep(1500)
    expect(rest.some((n) => connected(n, gone!))).toBe(false)
    expect(rest.every((n) => !n.isAdmitted(gone!.peerId))).toBe(true)
  })

  it('nodes of two networks never connect or mesh, even when their seeds list each other', async () => {
    const directory = new StaticDirectory()
    const local = await startCluster(2, () => ({ network: 'localnet' }), directory)
    const dev = await startCluster(2, () => ({ network: 'devnet' }), new StaticDirectory())
    // Give the localnet nodes the devnet seeds too (a confused registry).
    for (const [i, v] of dev.validators.entries()) directory.add(seedOf(v, dev.nodes[i]!))
    await waitFor(
      'each network connected',
      () => connected(local.nodes[0]!, local.nodes[1]!) && connected(dev.nodes[0]!, dev.nodes[1]!),
    )
    // The localnet nodes keep dialling the devnet seeds; the devnet gaters refuse
    // them after Noise, so a dial may be in flight on the dialer's side but no
    // connection ever opens on the refusing side, and nothing meshes.
    for (let sample = 0; sample < 15; sample++) {
      await sleep(100)
      for (const b of dev.nodes) for (const a of local.nodes) expect(connected(b, a)).toBe(false)
    }
    for (const a of local.nodes) {
      expect(
        a.gossip.subscribers('votes').some((p) => dev.nodes.some((d) => d.peerId.equals(p))),
      ).toBe(false)
      expect(a.routingTableSize()).toBe(1)
    }
  })
})
