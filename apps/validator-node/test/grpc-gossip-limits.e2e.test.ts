// The Gossip service's own checks, against a real gRPC server over a real
// (single, unconnected) p2p node: one subscriber more than allowed is
// refused, and unknown topics are refused on both methods.

import { credentials, type ServiceError, status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createParaloomNode, type ParaloomNode, StaticDirectory } from '@paraloom/p2p'
import { GossipClient, GossipService, type PublishResponse, Topic } from '@paraloom/proto'
import { sleep } from '@paraloom/test-utils'
import { createGossipService } from '../src/grpc/gossip.js'
import { type GrpcServerHandle, startGrpcServer } from '../src/grpc/server.js'
import { generateKeypair } from '../src/keypair.js'

let node: ParaloomNode
let server: GrpcServerHandle
let client: GossipClient
let close: () => void

beforeAll(async () => {
  const keypair = generateKeypair()
  node = await createParaloomNode({
    network: 'localnet',
    privateKey: keypair.secretKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    directory: new StaticDirectory(),
  })
  await node.start()
  const service = createGossipService({
    gossip: node.gossip,
    maxSubscribers: 1,
  })
  close = service.close
  server = await startGrpcServer('127.0.0.1:0', [
    { definition: GossipService, implementation: service.implementation },
  ])
  client = new GossipClient(`127.0.0.1:${server.port}`, credentials.createInsecure())
})

afterAll(async () => {
  client?.close()
  close?.()
  await server?.stop(500)
  await node?.stop()
})

function ended(stream: NodeJS.EventEmitter): Promise<ServiceError | undefined> {
  return new Promise((resolve) => {
    stream.on('data', () => {})
    stream.on('error', resolve)
    stream.on('end', () => resolve(undefined))
  })
}

describe('Gossip limits', () => {
  it('refuses one subscriber more than maxSubscribers with RESOURCE_EXHAUSTED', async () => {
    const first = client.subscribe({ topics: [] })
    const firstEnded = ended(first)
    await sleep(200)
    const second = await ended(client.subscribe({ topics: [Topic.TOPIC_VOTES] }))
    expect(second?.code).toBe(status.RESOURCE_EXHAUSTED)
    expect(second?.details).toMatch(/at most 1 subscribers/)
    first.cancel()
    expect((await firstEnded)?.code).toBe(status.CANCELLED)
  })

  it('refuses an unknown topic on Subscribe and on Publish', async () => {
    await sleep(200) // the cancelled subscriber is gone
    const sub = await ended(client.subscribe({ topics: [Topic.TOPIC_UNSPECIFIED] }))
    expect(sub?.code).toBe(status.INVALID_ARGUMENT)
    const publish = await new Promise<ServiceError | null>((resolve) =>
      client.publish(
        { topic: 42 as Topic, payload: Buffer.alloc(4) },
        (err: ServiceError | null, _res?: PublishResponse) => resolve(err),
      ),
    )
    expect(publish?.code).toBe(status.INVALID_ARGUMENT)
    expect(publish?.details).toMatch(/unknown topic 42/)
  })
})
