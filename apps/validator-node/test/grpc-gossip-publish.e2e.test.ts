// The gRPC Publish path in one process: a real gRPC server over a real p2p
// node with no peers. Publish hands the payload to the node as it is
// (`publishEncoded`); every refusal keeps its status and its one-line reason,
// and a valid vote gets as far as the network (no peers yet: UNAVAILABLE).
// The 4-validator e2e (grpc-gossip.e2e.test.ts) covers delivery.

import { credentials, type ServiceError, status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { sign, Vote } from '@paraloom/codec'
import { createParaloomNode, type ParaloomNode, StaticDirectory } from '@paraloom/p2p'
import { GossipClient, GossipService, type PublishResponse, Topic } from '@paraloom/proto'
import { createGossipService } from '../src/grpc/gossip.js'
import { type GrpcServerHandle, startGrpcServer } from '../src/grpc/server.js'
import { generateKeypair, type Keypair } from '../src/keypair.js'

let node: ParaloomNode
let server: GrpcServerHandle
let client: GossipClient
let close: () => void
const own = generateKeypair()

beforeAll(async () => {
  node = await createParaloomNode({
    network: 'localnet',
    privateKey: own.secretKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    directory: new StaticDirectory(),
  })
  await node.start()
  const service = createGossipService({ gossip: node.gossip })
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

function vote(keypair: Keypair, network: Vote['network'] = 'Localnet'): Uint8Array {
  const value = sign(
    Vote,
    {
      network,
      height: 1n,
      round: 0,
      kind: 'Prevote',
      blockHash: new Uint8Array(32),
      voter: keypair.publicKey,
      signature: new Uint8Array(64),
    },
    keypair.secretKey,
  )
  return Vote.encode(value)
}

function refusal(topic: Topic, payload: Uint8Array): Promise<ServiceError> {
  return new Promise((resolve, reject) =>
    client.publish({ topic, payload: Buffer.from(payload) }, (err, _res?: PublishResponse) =>
      err ? resolve(err) : reject(new Error('Publish succeeded; expected a refusal')),
    ),
  )
}

describe('gRPC Publish', () => {
  const badSignature = (): Uint8Array => {
    const bytes = vote(own)
    bytes[bytes.length - 1]! ^= 0xff
    return bytes
  }

  it.each<[string, () => Uint8Array, status, RegExp]>([
    [
      'garbage',
      () => Buffer.from('not a vote'),
      status.INVALID_ARGUMENT,
      /^Vote payload: \w+ at byte \d+: /,
    ],
    [
      'empty',
      () => new Uint8Array(0),
      status.INVALID_ARGUMENT,
      /^Vote payload: Truncated at byte 0: /,
    ],
    [
      'cut short',
      () => vote(own).subarray(0, 40),
      status.INVALID_ARGUMENT,
      /^Vote payload: Truncated/,
    ],
    [
      'a byte after it',
      () => Uint8Array.of(...vote(own), 0),
      status.INVALID_ARGUMENT,
      /^Vote payload: TrailingBytes/,
    ],
    [
      'over the cap',
      () => new Uint8Array(4097),
      status.INVALID_ARGUMENT,
      /^Vote payload: TooLarge at byte 4096: /,
    ],
    [
      "another key's vote",
      () => vote(generateKeypair()),
      status.INVALID_ARGUMENT,
      /not signed by this node's identity/,
    ],
    ['a bad signature', badSignature, status.INVALID_ARGUMENT, /signature does not verify/],
    [
      'another network',
      () => vote(own, 'Testnet'),
      status.INVALID_ARGUMENT,
      /is for Testnet, this node is on localnet/,
    ],
    ['a valid vote, no peers yet', () => vote(own), status.UNAVAILABLE, /no peer subscribes/],
  ])('%s', async (_name, payload, code, reason) => {
    const err = await refusal(Topic.TOPIC_VOTES, payload())
    expect(err.code).toBe(code)
    expect(err.details).toMatch(reason)
    expect(err.details).not.toContain('\n')
  })
})
