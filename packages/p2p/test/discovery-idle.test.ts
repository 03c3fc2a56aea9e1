// Discovery rounds on stub components: an idle round (nothing changed)
// rewrites no peer store entry, runs no DHT lookup and puts no record; a
// changed address, a missing routing-table entry, a registry change or a
// failed put each bring back exactly the work they call for. The start
// dials nobody one by one: unconnected seeds are not pushed into the
// routing table (kad-dht would ping each before adding it).
import { describe, expect, it } from '@jest/globals'
import { waitFor } from '@paraloom/test-utils'
import { seedPeer } from '../src/index.js'
import { stubDiscovery } from './helpers/stub-discovery.js'

const setup = (seedCount = 4) => stubDiscovery({ seedCount, isAdmitted: () => true })

describe('discovery rounds when nothing changes', () => {
  it('start merges every seed once, dials none one by one, and leaves the table to connections', async () => {
    const { discovery, dht, merges } = await setup(4)
    const started = discovery.start()
    await started
    expect(merges).toHaveLength(4)
    expect(dht.table.size).toBe(0) // none was connected yet: nothing pushed into the table
  })

  it('idle rounds rewrite no peer store entry, run no DHT refresh and put no record', async () => {
    const { discovery, dht, merges, rounds, connected, others } = await setup(4)
    await discovery.start()
    await waitFor('first round', () => rounds.length >= 1)
    // The dials connected everyone: the next round adds them to the table.
    expect(others.every((o) => connected.has(o.peerId.toString()))).toBe(true)
    await waitFor('table filled', () => dht.table.size === 4)
    const [puts, refreshes, mergeCount, seen] = [
      dht.puts,
      dht.refreshes,
      merges.length,
      rounds.length,
    ]
    await waitFor('five idle rounds', () => rounds.length >= seen + 5)
    expect(dht.puts).toBe(puts)
    expect(dht.refreshes).toBe(refreshes)
    expect(merges).toHaveLength(mergeCount)
    expect(rounds.at(-1)).toMatchObject({ published: false, refreshed: false, dialled: 0 })
  })

  it('brings back only the work a change calls for', async () => {
    const {
      discovery,
      dht,
      merges,
      rounds,
      directory,
      others,
      setAnnounce,
      connected,
      unreachable,
    } = await setup(3)
    await discovery.start()
    await waitFor('table filled', () => dht.table.size === 3)
    await waitFor('idle', () => rounds.at(-1)?.published === false)

    // A new announced address: one put.
    let puts = dht.puts
    setAnnounce('/ip4/127.0.0.1/tcp/30000')
    await waitFor('a put for the new address', () => dht.puts === puts + 1)
    await waitFor('idle again', () => rounds.at(-1)?.published === false)
    expect(dht.puts).toBe(puts + 1)

    // A seed's address changes in the registry: that seed alone is merged again, and the set change re-puts.
    const mergesBefore = merges.length
    puts = dht.puts
    directory.add(seedPeer(others[0]!.publicKey, ['/ip4/127.0.0.1/tcp/31000']))
    await waitFor('a re-put after the registry change', () => dht.puts > puts)
    await waitFor('idle again', () => rounds.at(-1)?.published === false)
    expect(merges.slice(mergesBefore)).toEqual([others[0]!.peerId.toString()])

    // A validator gone from the routing table and unreachable: the DHT refresh comes back.
    const refreshes = dht.refreshes
    const gone = others[1]!.peerId
    unreachable.add(gone.toString())
    connected.delete(gone.toString())
    await dht.routingTable.remove(gone)
    await waitFor('a refresh', () => dht.refreshes > refreshes)
    // Reachable again: it is dialled, re-added, and the refreshes stop.
    unreachable.delete(gone.toString())
    await waitFor('back in the table', () => dht.table.has(gone.toString()))
    await waitFor('idle again', () => rounds.at(-1)?.refreshed === false)

    // A failed put is retried next round.
    dht.failPuts = true
    setAnnounce('/ip4/127.0.0.1/tcp/30001')
    puts = dht.puts
    await waitFor('two failed puts', () => dht.puts >= puts + 2)
  })
})
