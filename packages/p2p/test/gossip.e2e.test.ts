// Gossip with real nodes on 127.0.0.1 in a line topology (each node admits
// only its neighbours): valid messages cross every hop; invalid ones die at
// the first hop; a peer that keeps sending garbage is scored down,
// disconnected and banned; `open` admission admits a non-validator but not
// its gossip.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { BlockProposal, ComputeJobResult, sign, Vote } from '@paraloom/codec'
import { componentName, type LogFields, type Logger, type LogLevel } from '@paraloom/interface'
import { sleep, waitFor } from '@paraloom/test-utils'
import {
  GOSSIP_MAX_BYTES,
  type GossipMessage,
  gossipMessageId,
  gossipTopic,
  type ParaloomNode,
  type PeerBan,
  peerIdFromPublicKeyBytes,
  StaticDirectory,
} from '../src/index.js'
import {
  type Cluster,
  CountingCounter,
  connected,
  makeValidator,
  seedOf,
  signedVote,
  startCluster,
  startNode,
  stopAll,
} from './helpers/nodes.js'

const VOTES = gossipTopic('localnet', 'votes')
const LINE = 5

let line: Cluster
const counters: CountingCounter[] = []
/** Each node's gossip rejections by topic and reason. */
const rejections: CountingCounter[] = []
/** Each node's own log lines, from the logger it was handed. */
const logs: LogLine[][] = []
const received: Array<Array<GossipMessage<'votes'>>> = []
/** Every ban each node announced, from the start (one may come between two tests). */
const bans: PeerBan[][] = []

afterAll(stopAll)

interface LogLine {
  level: LogLevel
  component: string | undefined
  message: string
  fields: LogFields
}

/** A logger that keeps its lines (and its children's, named as cli-kit names them). */
function recordingLogger(lines: LogLine[], component?: string): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}): void => {
      lines.push({ level, component, message, fields })
    }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    forComponent: (name) => recordingLogger(lines, componentName(component, name)),
  }
}

beforeAll(async () => {
  line = await startCluster(LINE, (i, validators) => {
    const counter = new CountingCounter()
    counters[i] = counter
    rejections[i] = new CountingCounter()
    logs[i] = []
    const deny = validators
      .filter((_, j) => Math.abs(i - j) > 1)
      .map((v) => peerIdFromPublicKeyBytes(v.publicKey).toString())
    return {
      deny,
      metrics: { gossipMessages: counter, gossipRejections: rejections[i] },
      logger: recordingLogger(logs[i]!),
    }
  })
  line.nodes.forEach((node, i) => {
    received[i] = []
    bans[i] = []
    node.addEventListener('peer:banned', (evt) => bans[i]!.push(evt.detail))
    node.gossip.subscribe('votes', (m) => {
      received[i]!.push(m)
    })
  })
  // Every node meshes with its neighbours only (forwarding follows the mesh).
  await waitFor('the line meshed', () =>
    line.nodes.every(
      (node, i) => node.gossip.meshPeers('votes').length === (i === 0 || i === LINE - 1 ? 1 : 2),
    ),
  )
})

const raw = (node: ParaloomNode, bytes: Uint8Array) =>
  node.libp2p.services.pubsub.publish(VOTES, bytes)

describe('gossip across a line', () => {
  it('reaches every node, not only direct neighbours', async () => {
    for (const [i, node] of line.nodes.entries()) {
      for (const [j, other] of line.nodes.entries()) {
        if (Math.abs(i - j) > 1) expect(connected(node, other)).toBe(false)
      }
    }
    const vote = signedVote(line.validators[0]!, 1n)
    expect(await line.nodes[0]!.gossip.publish('votes', vote)).toBe(1)
    await waitFor('the vote at the far end', () => received.slice(1).every((r) => r.length === 1))
    const last = received[LINE - 1]![0]!
    expect(last.value.height).toBe(1n)
    expect(last.from.equals(line.nodes[0]!.peerId)).toBe(true)
    expect(last.bytes).toEqual(Vote.encode(vote))
    expect(last.id).toBe(Buffer.from(gossipMessageId(VOTES, Vote.encode(vote))).toString('hex'))
    expect(received[0]).toHaveLength(0)
  })

  it('the same signed bytes relayed by two peers are one message, authored by their signer', async () => {
    // StrictNoSign: a gossip message names no author, so node 2 can inject node 0's vote
    // as it is; both copies share one content id and node 1, between them, delivers it once.
    const bytes = Vote.encode(signedVote(line.validators[0]!, 30n))
    const wire: Array<{ type: string }> = []
    const onWire = (evt: CustomEvent<{ type: string }>) => wire.push(evt.detail)
    line.nodes[3]!.libp2p.services.pubsub.addEventListener('message', onWire)
    const before = received.map((r) => r.length)
    await Promise.all([raw(line.nodes[0]!, bytes), raw(line.nodes[2]!, bytes)])
    await waitFor('the vote at nodes 1, 3 and 4', () =>
      [1, 3, 4].every((i) => received[i]!.length === before[i]! + 1),
    )
    await sleep(500)
    line.nodes[3]!.libp2p.services.pubsub.removeEventListener('message', onWire)
    // The publishers have it already; everybody else exactly once.
    expect(received.map((r, i) => r.length - before[i]!)).toEqual([0, 1, 0, 1, 1])
    // Node 3 heard it only through node 2, yet its author is node 0, the signer.
    expect(received[3]!.at(-1)!.from.equals(line.nodes[0]!.peerId)).toBe(true)
    expect(received[3]!.at(-1)!.bytes).toEqual(bytes)
    expect(wire.map((m) => m.type)).toEqual(['unsigned'])
  })

  it('rejects each invalid message at the first hop; it reaches nobody else', async () => {
    const sender = line.validators[LINE - 1]!
    const node = line.nodes[LINE - 1]!
    const firstHop = counters[LINE - 2]!
    const tampered = Vote.encode(signedVote(sender, 10n))
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1
    const invalid = [
      // StrictNoSign: the payload signature is the only one, and a bad one dies here.
      ['bad signature', tampered],
      ['unregistered signer', Vote.encode(signedVote(makeValidator(), 11n))],
      ['wrong network', Vote.encode(signedVote(sender, 12n, 'devnet'))],
      ['garbage', Uint8Array.of(0xde, 0xad, 0xbe, 0xef)],
    ] as const
    const before = received.map((r) => r.length)
    for (const [, bytes] of invalid) await raw(node, bytes)
    await waitFor(
      'four rejects at the first hop',
      () => firstHop.get({ topic: VOTES, result: 'reject' }) === invalid.length,
    )
    await sleep(500)
    expect(received.map((r) => r.length)).toEqual(before)
    for (const counter of counters.slice(0, LINE - 2)) {
      expect(counter.get({ topic: VOTES, result: 'reject' })).toBe(0)
    }
    // Each reject is counted by its reason code, and logged with the same code by the
    // first hop's gossip component, through the logger the node was handed.
    const reasons = ['bad_signature', 'unknown_signer', 'wrong_network', 'undecodable']
    for (const reason of reasons) {
      expect(rejections[LINE - 2]!.get({ topic: VOTES, reason })).toBe(1)
    }
    const refused = logs[LINE - 2]!.filter((l) => l.message === 'gossip message refused')
    expect(refused.map((l) => l.fields.reason).sort()).toEqual([...reasons].sort())
    for (const l of refused) {
      expect(l).toMatchObject({
        level: 'debug',
        component: 'paraloom:p2p:gossip',
        fields: { topic: VOTES, result: 'reject', from: node.peerId.toString() },
      })
    }
  })

  it('bans a peer that keeps sending garbage, disconnects it and keeps it out', async () => {
    const spammer = line.nodes[LINE - 1]!
    const firstHop = line.nodes[LINE - 2]!
    const banOf = () => bans[LINE - 2]!.find((b) => b.peerId.equals(spammer.peerId))
    // Garbage is malformed gossip: each message the first hop validates counts
    // against the spammer, and the fifth bans it (as does its gossipsub score
    // sinking below the disconnect threshold). The previous test's four invalid
    // messages may have done it already; otherwise bursts until then.
    for (let i = 0; banOf() === undefined; i++) {
      if (i >= 150) throw new Error(`no ban after ${i} bursts of garbage`)
      if (connected(firstHop, spammer)) {
        const burst = [0, 1, 2, 3].map((j) => Uint8Array.of(i, j, 0xff, 0xff))
        await Promise.all(burst.map((bytes) => raw(spammer, bytes).catch(() => {})))
      }
      await sleep(200)
    }
    expect(['malformed_gossip', 'gossip_score']).toContain(banOf()!.reason)
    await waitFor('the spammer disconnected', () => !connected(firstHop, spammer))
    expect(firstHop.isAdmitted(spammer.peerId)).toBe(false)
    await sleep(1500) // refresh rounds do not bring it back
    expect(connected(firstHop, spammer)).toBe(false)
  })

  it('bans a peer at its first oversize message, which reaches nobody else', async () => {
    const sender = line.nodes[0]!
    const firstHop = line.nodes[1]!
    const banned = new Promise<void>((resolve) => {
      firstHop.addEventListener('peer:banned', (evt) => {
        if (evt.detail.peerId.equals(sender.peerId)) resolve()
      })
    })
    const before = received.map((r) => r.length)
    await raw(sender, new Uint8Array(GOSSIP_MAX_BYTES.votes + 1).fill(1))
    await banned
    await waitFor('the oversize sender disconnected', () => !connected(firstHop, sender))
    expect(firstHop.isAdmitted(sender.peerId)).toBe(false)
    expect(counters[1]!.get({ topic: VOTES, result: 'reject' })).toBe(1)
    expect(received.map((r) => r.length)).toEqual(before)
  })
})

describe('publishing', () => {
  it('checks the topic cap first and fails loudly', async () => {
    const node = line.nodes[0]!
    const validator = line.validators[0]!
    const block = sign(
      BlockProposal,
      {
        header: {
          network: 'Localnet',
          height: 1n,
          round: 0,
          parentHash: new Uint8Array(32),
          stateRoot: new Uint8Array(32),
          txRoot: new Uint8Array(32),
          proposer: validator.publicKey,
          timestampMs: 0n,
        },
        transactions: [new Uint8Array(GOSSIP_MAX_BYTES.blocks)],
        signature: new Uint8Array(64),
      },
      validator.secretKey,
    )
    await expect(node.gossip.publish('blocks', block)).rejects.toMatchObject({
      name: 'GossipError',
      code: 'TooLarge',
    })
    expect(
      counters[0]!.get({ topic: gossipTopic('localnet', 'blocks'), result: 'publish_error' }),
    ).toBe(1)
  })

  it('publishEncoded sends the bytes as they are, checked like publish', async () => {
    // Node 2: both its neighbours are still connected after the ban tests above.
    const node = line.nodes[2]!
    const bytes = Vote.encode(signedVote(line.validators[2]!, 40n))
    const before = received[3]!.length
    const { recipients, id } = await node.gossip.publishEncoded('votes', bytes)
    expect(recipients).toBe(2)
    expect(id).toBe(Buffer.from(gossipMessageId(VOTES, bytes)).toString('hex'))
    await waitFor('the vote at node 3', () => received[3]!.length === before + 1)
    expect(received[3]!.at(-1)!.bytes).toEqual(bytes)
    expect(received[3]!.at(-1)!.id).toBe(id)
    const refused = [
      ['garbage', Uint8Array.of(1, 2, 3), 'Invalid', /^Vote payload: Truncated at byte \d+: /],
      ['empty', new Uint8Array(0), 'Invalid', /^Vote payload: Truncated at byte 0: /],
      ['trailing bytes', Uint8Array.of(...bytes, 0), 'Invalid', /^Vote payload: TrailingBytes/],
      ['over the cap', new Uint8Array(GOSSIP_MAX_BYTES.votes + 1), 'TooLarge', /TooLarge/],
      [
        "another node's vote",
        Vote.encode(signedVote(line.validators[1]!, 41n)),
        'Invalid',
        /not signed by this node's identity/,
      ],
      ['a repeat', bytes, 'Duplicate', /published on .* recently/],
    ] as const
    for (const [, payload, code, why] of refused) {
      await expect(node.gossip.publishEncoded('votes', payload)).rejects.toMatchObject({
        name: 'GossipError',
        code,
        message: expect.stringMatching(why),
      })
    }
  })

  it('refuses a value not signed by this node', async () => {
    const someoneElse = signedVote(line.validators[1]!, 99n)
    await expect(line.nodes[0]!.gossip.publish('votes', someoneElse)).rejects.toMatchObject({
      code: 'Invalid',
    })
    const result = sign(
      ComputeJobResult,
      {
        network: 'Localnet',
        jobId: new Uint8Array(16),
        executor: line.validators[0]!.publicKey,
        outcome: { type: 'Failed', reason: 'x' },
        executionTimeMs: 1n,
        memoryUsedBytes: 1n,
        instructionsExecuted: 1n,
        signature: new Uint8Array(64),
      },
      line.validators[0]!.secretKey,
    )
    result.signature[0] = (result.signature[0] as number) ^ 1
    await expect(line.nodes[0]!.gossip.publish('results', result)).rejects.toMatchObject({
      code: 'Invalid',
    })
  })
})

describe('admission', () => {
  it('refuses a non-validator in validators mode, admits it in open mode, but rejects its gossip', async () => {
    const directory = new StaticDirectory()
    const counter = new CountingCounter()
    const strict = makeValidator()
    const open = makeValidator()
    const strictNode = await startNode(strict, directory)
    const openNode = await startNode(open, directory, {
      admission: 'open',
      metrics: { gossipMessages: counter },
    })
    directory.add(seedOf(strict, strictNode))
    directory.add(seedOf(open, openNode))

    const outsider = makeValidator()
    const outsiderNode = await startNode(outsider, new StaticDirectory(), { admission: 'open' })
    // The strict node's gater closes the connection right after Noise, before any stream.
    await outsiderNode.libp2p.dial(strictNode.getMultiaddrs()[0]!).catch(() => {})
    await waitFor(
      'the strict node refusing the outsider',
      () => !connected(outsiderNode, strictNode),
    )
    expect(connected(strictNode, outsiderNode)).toBe(false)
    await expect(
      outsiderNode.requestStateSync(strictNode.getMultiaddrs()[0]!, {
        network: 'Localnet',
        fromHeight: 0n,
        maxBlocks: 1,
      }),
    ).rejects.toMatchObject({ name: 'RequestError' })

    await outsiderNode.libp2p.dial(openNode.getMultiaddrs()[0]!)
    await waitFor('the open node admitting the outsider', () => connected(openNode, outsiderNode))
    await waitFor('the outsider subscribed at the open node', () =>
      openNode.gossip.subscribers('votes').some((p) => p.equals(outsiderNode.peerId)),
    )
    const heard: unknown[] = []
    openNode.gossip.subscribe('votes', (m) => {
      heard.push(m)
    })
    await outsiderNode.gossip.waitForSubscribers('votes')
    await outsiderNode.gossip.publish('votes', signedVote(outsider, 1n))
    await waitFor(
      'the open node rejecting it',
      () => counter.get({ topic: VOTES, result: 'reject' }) === 1,
    )
    expect(heard).toHaveLength(0)
  })
})
