// The devnet's small parts without processes: line splitting, the metrics
// text reader, readiness views, the traffic plan, status lines, and the
// HTTP helpers against real servers that misbehave.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { BlockProposal, ComputeJobResult, Vote, verify } from '@paraloom/codec'
import { type ListPeersResponse, PeerState } from '@paraloom/proto'
import { generateKeypair } from 'paraloom/keypair'
import { DevnetError } from '../src/errors.js'
import { LineSplitter } from '../src/line-splitter.js'
import { fetchText, samplesOf } from '../src/prometheus-text.js'
import { peerView, progressLine, waitForRpcHealth } from '../src/readiness.js'
import { formatStatusLine, gossipCounts } from '../src/status-line.js'
import { planHeight } from '../src/traffic-plan.js'

describe('LineSplitter', () => {
  const split = (chunks: string[], max = 16): string[] => {
    const lines: string[] = []
    const s = new LineSplitter((l) => lines.push(l), max)
    for (const c of chunks) s.push(c)
    s.flush()
    return lines
  }

  it('joins lines split across chunks and strips CR', () => {
    expect(split(['ab', 'c\r\nde', 'f\n', 'tail'])).toEqual(['abc', 'def', 'tail'])
  })

  it('cuts a line over the cap once and drops its rest', () => {
    const lines = split(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(30), '\nnext\n'])
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBe(`${'x'.repeat(16)} …[line cut]`)
    expect(lines[1]).toBe('next')
  })

  it('keeps a line exactly at the cap', () => {
    expect(split(['y'.repeat(16), '\n'])).toEqual(['y'.repeat(16)])
  })

  it('emits nothing for empty input', () => {
    expect(split([])).toEqual([])
  })
})

describe('samplesOf', () => {
  const text = [
    '# HELP paraloom_gossip_messages_total Gossip messages.',
    '# TYPE paraloom_gossip_messages_total counter',
    'paraloom_gossip_messages_total{topic="paraloom/devnet/blocks",result="accept"} 12',
    'paraloom_gossip_messages_total{topic="paraloom/devnet/votes",result="reject"} 3 1700000000000',
    'paraloom_gossip_messages_total_created{topic="x"} 5',
    'paraloom_gossip_messages_total{topic="a\\"b",result="ignore"} 1',
    'paraloom_gossip_messages_total{topic="unterminated} 7',
    'paraloom_gossip_messages_total{topic="x",result="accept"} not-a-number',
    'paraloom_gossip_messages_total 9',
    '',
  ].join('\n')

  it('reads labelled and bare samples, escapes included', () => {
    expect(samplesOf(text, 'paraloom_gossip_messages_total')).toEqual([
      { labels: { topic: 'paraloom/devnet/blocks', result: 'accept' }, value: 12 },
      { labels: { topic: 'paraloom/devnet/votes', result: 'reject' }, value: 3 },
      { labels: { topic: 'a"b', result: 'ignore' }, value: 1 },
      { labels: {}, value: 9 },
    ])
  })

  it('skips garbage and truncated input without throwing', () => {
    expect(samplesOf('\u0000\u0001{{{', 'x')).toEqual([])
    expect(
      samplesOf(text.slice(0, text.indexOf('votes')), 'paraloom_gossip_messages_total'),
    ).toEqual([{ labels: { topic: 'paraloom/devnet/blocks', result: 'accept' }, value: 12 }])
  })

  it('sums gossip counts per topic kind and result', () => {
    const counts = gossipCounts(text)
    expect(counts.blocks).toEqual({ accept: 12, reject: 0, ignore: 0 })
    expect(counts.votes).toEqual({ accept: 0, reject: 3, ignore: 0 })
    expect(counts.results).toEqual({ accept: 0, reject: 0, ignore: 0 })
  })
})

describe('readiness views', () => {
  const targets = ['a', 'b', 'c'].map((name) => ({
    name: `validator-${name}`,
    identity: `id-${name}`,
    peerMonitor: undefined as never,
  }))
  const response = (peers: Array<[string, PeerState]>): ListPeersResponse =>
    ({
      peers: peers.map(([validator, state]) => ({ validator, state })),
    }) as unknown as ListPeersResponse

  it('counts the other validators CONNECTED and names the missing ones', () => {
    const view = peerView(
      targets[0]!,
      targets,
      response([
        ['id-b', PeerState.PEER_STATE_CONNECTED],
        ['id-a', PeerState.PEER_STATE_CONNECTED],
        ['someone-else', PeerState.PEER_STATE_CONNECTED],
      ]),
    )
    expect(view).toEqual({
      name: 'validator-a',
      connected: 1,
      expected: 2,
      missing: ['validator-c not listed'],
    })
  })

  it('does not count SLOW or OFFLINE as connected', () => {
    const view = peerView(
      targets[1]!,
      targets,
      response([
        ['id-a', PeerState.PEER_STATE_SLOW],
        ['id-c', PeerState.PEER_STATE_OFFLINE],
      ]),
    )
    expect(view.connected).toBe(0)
    expect(view.missing).toEqual(['validator-a SLOW', 'validator-c OFFLINE'])
  })

  it('writes one progress line', () => {
    expect(
      progressLine([
        { name: 'v1', connected: 2, expected: 2, missing: [] },
        { name: 'v2', connected: 0, expected: 2, missing: [], error: 'UNAVAILABLE' },
      ]),
    ).toBe('v1 2/2, v2 unreachable')
  })
})

describe('planHeight', () => {
  const signers = Array.from({ length: 4 }, () => generateKeypair())
  const plan = (height: bigint, parentHash: Uint8Array = new Uint8Array(32)) =>
    planHeight({ network: 'Devnet', height, parentHash, signers, resultEveryHeights: 5 })

  it('rotates the proposer with the height and signs the block with its key', () => {
    for (const h of [1n, 2n, 3n, 4n, 5n]) {
      const p = plan(h)
      expect(p.block.signer).toBe(Number(h % 4n))
      expect(p.block.value.header.proposer).toEqual(signers[p.block.signer]!.publicKey)
      expect(p.block.value.header.height).toBe(h)
      expect(verify(BlockProposal, p.block.value)).toBe(true)
      expect(BlockProposal.decode(BlockProposal.encode(p.block.value))).toBeTruthy()
    }
  })

  it('has a prevote then a precommit from every validator for this block', () => {
    const p = plan(7n)
    expect(p.votes.map((v) => [v.signer, v.value.kind])).toEqual([
      [0, 'Prevote'],
      [1, 'Prevote'],
      [2, 'Prevote'],
      [3, 'Prevote'],
      [0, 'Precommit'],
      [1, 'Precommit'],
      [2, 'Precommit'],
      [3, 'Precommit'],
    ])
    for (const v of p.votes) {
      expect(v.value.blockHash).toEqual(p.blockHash)
      expect(v.value.voter).toEqual(signers[v.signer]!.publicKey)
      expect(verify(Vote, v.value)).toBe(true)
      expect(Vote.encode(v.value).length).toBeLessThanOrEqual(Vote.maxBytes)
    }
  })

  it('chains blocks by parent hash', () => {
    const first = plan(1n)
    const second = plan(2n, first.blockHash)
    expect(second.block.value.header.parentHash).toEqual(first.blockHash)
  })

  it('adds a signed compute result every fifth height, within its size cap', () => {
    expect(plan(4n).result).toBeUndefined()
    const p = plan(10n)
    expect(p.result).toBeDefined()
    const r = p.result!
    expect(r.value.executor).toEqual(signers[r.signer]!.publicKey)
    expect(verify(ComputeJobResult, r.value)).toBe(true)
    expect(ComputeJobResult.encode(r.value).length).toBeLessThanOrEqual(ComputeJobResult.maxBytes)
  })

  it('stays under the block cap with the largest transaction mix', () => {
    const p = planHeight({
      network: 'Devnet',
      height: 3n,
      parentHash: new Uint8Array(32),
      signers,
      resultEveryHeights: 1,
      random: (n) => new Uint8Array(n).fill(0xff),
    })
    expect(p.block.value.transactions).toHaveLength(8)
    expect(p.block.value.transactions.every((t) => t.length === 512)).toBe(true)
    expect(BlockProposal.encode(p.block.value).length).toBeLessThanOrEqual(BlockProposal.maxBytes)
  })
})

describe('formatStatusLine', () => {
  const gossip = {
    blocks: { accept: 12, reject: 0, ignore: 0 },
    votes: { accept: 96, reject: 2, ignore: 1 },
    results: { accept: 2, reject: 0, ignore: 0 },
  }

  it('shows peers by state, accepted/rejected/delivered per topic and the tip', () => {
    const line = formatStatusLine({
      name: 'validator-1',
      peers: { CONNECTED: 2, SLOW: 1, OFFLINE: 0, UNKNOWN: 0 },
      gossip,
      traffic: { delivered: { blocks: 11, votes: 90, results: 2 }, tipHeight: 13n },
    })
    expect(line).toBe(
      'validator-1 | peers C2 S1 O0 U0 | blocks 12/0/11 votes 96/2/90 results 2/0/2 | tip 13',
    )
  })

  it('marks what it does not know and says what failed', () => {
    const line = formatStatusLine({
      name: 'validator-2',
      peers: {},
      gossip,
      error: 'metrics: HTTP 503',
    })
    expect(line).toBe(
      'validator-2 | peers C0 S0 O0 U0 | blocks 12/0/- votes 96/2/- results 2/0/- | tip - | metrics: HTTP 503',
    )
  })
})

describe('HTTP helpers against misbehaving servers', () => {
  let server: Server
  let base: string
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/silent') return // never answers
      if (req.url === '/big') {
        res.writeHead(200)
        const chunk = Buffer.alloc(64 * 1024, 0x61)
        for (let i = 0; i < 32; i++) res.write(chunk)
        res.end()
        return
      }
      if (req.url === '/error') {
        res.writeHead(503).end('no')
        return
      }
      if (req.method === 'POST') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"jsonrpc":"2.0","id":1,"error":{}}')
        return
      }
      res.writeHead(200).end('ok')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const rejection = async (p: Promise<unknown>): Promise<Error> => {
    try {
      await p
    } catch (err) {
      return err as Error
    }
    throw new Error('expected a rejection')
  }

  it('reads a body', async () => {
    expect(await fetchText(`${base}/`)).toBe('ok')
  })

  it('times out on a server that never answers', async () => {
    const started = Date.now()
    const err = await rejection(fetchText(`${base}/silent`, { timeoutMs: 200 }))
    expect(err.name).toBe('TimeoutError')
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('refuses a body over the cap, and accepts one at it', async () => {
    const err = await rejection(fetchText(`${base}/big`, { maxBytes: 2 * 1024 * 1024 - 1 }))
    expect(err.message).toContain('body over')
    expect((await fetchText(`${base}/big`, { maxBytes: 2 * 1024 * 1024 })).length).toBe(
      2 * 1024 * 1024,
    )
  })

  it('rejects a non-200 answer', async () => {
    expect((await rejection(fetchText(`${base}/error`))).message).toContain('HTTP 503')
  })

  it('waitForRpcHealth gives up with RegistryDown on an RPC that never says ok', async () => {
    const err = await rejection(waitForRpcHealth(`${base}/`, { deadlineMs: 300, pollMs: 50 }))
    expect(err).toBeInstanceOf(DevnetError)
    expect((err as DevnetError).code).toBe('RegistryDown')
    expect(err.message).toContain('"error"')
  })

  it('waitForRpcHealth gives up on an RPC that never answers', async () => {
    const err = await rejection(waitForRpcHealth(`${base}/silent`, { deadlineMs: 300, pollMs: 50 }))
    expect((err as DevnetError).code).toBe('RegistryDown')
  })
})
