// Coalesced socket writes: what one tick writes to a corked socket leaves
// as one writev, complete and in order, and later ticks still flow.
import { once } from 'node:events'
import { createServer, type Server, Socket } from 'node:net'
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { corkPerTick } from '../src/coalesced-writes.js'

let server: Server | undefined
const sockets: Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  if (server !== undefined) await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

/** A loopback connection: the client socket, and everything the server side reads. */
async function loopback(): Promise<{ client: Socket; received: () => Buffer }> {
  const chunks: Buffer[] = []
  server = createServer((s) => {
    sockets.push(s)
    s.on('data', (d) => chunks.push(d))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const client = new Socket()
  sockets.push(client)
  client.connect(port, '127.0.0.1')
  await once(client, 'connect')
  return { client, received: () => Buffer.concat(chunks) }
}

const nextTick = () => new Promise((resolve) => process.nextTick(resolve))

async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('corkPerTick', () => {
  it('sends the writes of one tick as one writev, in order; the next tick flows too', async () => {
    const { client, received } = await loopback()
    corkPerTick(client)
    const writev = jest.spyOn(client as unknown as { _writev: () => void }, '_writev')
    client.write(Buffer.from('ab'))
    client.write(Buffer.from('cd'))
    client.write(Buffer.from('ef'))
    expect(writev).not.toHaveBeenCalled()
    await nextTick()
    expect(writev).toHaveBeenCalledTimes(1)
    expect((writev.mock.calls[0] as unknown[])[0]).toHaveLength(3)
    await until('the first tick', () => received().length === 6)
    // A single write in a later tick is not held back.
    client.write(Buffer.from('gh'))
    await until('the second tick', () => received().length === 8)
    expect(received().toString()).toBe('abcdefgh')
  })

  it('keeps write callbacks and backpressure results', async () => {
    const { client } = await loopback()
    corkPerTick(client)
    const written = new Promise((resolve) => client.write(Buffer.from('x'), resolve))
    expect(client.write(Buffer.from('y'))).toBe(true)
    expect(await written).toBeFalsy() // no error
  })
})
