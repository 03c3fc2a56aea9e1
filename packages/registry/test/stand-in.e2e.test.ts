import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import WebSocket from 'ws'
import { buildGenesisAccounts, genesisFileText, type SolanaAccount } from '../src/genesis.js'
import { decodeValidatorAccount, VALIDATOR_DISCRIMINATOR } from '../src/layout.js'
import { LocalRpcStandIn, STAND_IN_SOLANA_VERSION } from '../src/stand-in/index.js'
import { base58, PROGRAM_ID, randomKey } from './fixtures.js'

let standIn: LocalRpcStandIn
let accounts: SolanaAccount[]
const identity = randomKey()

async function rpc(body: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(standIn.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, text, json: text === '' ? undefined : JSON.parse(text) }
}

const call = (method: string, params: unknown[] = [], id: unknown = 1) =>
  rpc({ jsonrpc: '2.0', id, method, params })

beforeAll(async () => {
  accounts = await buildGenesisAccounts({
    programId: PROGRAM_ID,
    network: 'devnet',
    validators: [
      { identity, network: 'devnet', multiaddrs: ['/ip4/127.0.0.1/tcp/9001'], stake: 10n },
    ],
  })
  standIn = new LocalRpcStandIn({ accounts, programId: PROGRAM_ID, port: 0, slotMs: 50 })
  await standIn.start()
})

afterAll(async () => {
  await standIn.stop()
})

describe('LocalRpcStandIn over HTTP', () => {
  it('listens on P for HTTP and P+1 for websockets', () => {
    const port = Number(new URL(standIn.rpcUrl).port)
    expect(new URL(standIn.wsUrl).port).toBe(String(port + 1))
  })

  it('answers getAccountInfo in Agave shape, rentEpoch exact', async () => {
    const validatorAccount = accounts[1]!
    const { json, text } = await call(
      'getAccountInfo',
      [validatorAccount.pubkey, { encoding: 'base64' }],
      'abc',
    )
    expect(json).toEqual({
      jsonrpc: '2.0',
      result: {
        context: { apiVersion: STAND_IN_SOLANA_VERSION, slot: expect.any(Number) },
        value: {
          data: [Buffer.from(validatorAccount.data).toString('base64'), 'base64'],
          executable: false,
          lamports: Number(validatorAccount.lamports),
          owner: PROGRAM_ID,
          rentEpoch: expect.any(Number),
          space: validatorAccount.data.length,
        },
      },
      id: 'abc',
    })
    expect(text).toContain('"rentEpoch":18446744073709551615')
    const missing = await call('getAccountInfo', [base58(randomKey())])
    expect((missing.json as { result: { value: unknown } }).result.value).toBeNull()
  })

  it('filters getProgramAccounts by memcmp (base58 and base64) and dataSize, with and without context', async () => {
    const disc64 = Buffer.from(VALIDATOR_DISCRIMINATOR).toString('base64')
    const disc58 = base58(
      new Uint8Array([...VALIDATOR_DISCRIMINATOR, ...new Uint8Array(24)]),
    ).toString()
    const plain = await call('getProgramAccounts', [
      PROGRAM_ID,
      {
        encoding: 'base64',
        filters: [{ memcmp: { offset: 0, bytes: disc64, encoding: 'base64' } }],
      },
    ])
    const list = (plain.json as { result: { pubkey: string }[] }).result
    expect(list.map((a) => a.pubkey)).toEqual([accounts[1]!.pubkey])
    const withContext = await call('getProgramAccounts', [
      PROGRAM_ID,
      { encoding: 'base64', withContext: true, filters: [{ dataSize: 74 }] },
    ])
    const ctx = (
      withContext.json as { result: { context: { slot: number }; value: { pubkey: string }[] } }
    ).result
    expect(ctx.context.slot).toEqual(expect.any(Number))
    expect(ctx.value.map((a) => a.pubkey)).toEqual([accounts[0]!.pubkey])
    const none = await call('getProgramAccounts', [
      PROGRAM_ID,
      { encoding: 'base64', filters: [{ memcmp: { offset: 0, bytes: disc58 } }] },
    ])
    expect((none.json as { result: unknown[] }).result).toEqual([])
  })

  it('answers getMultipleAccounts, getSlot, getHealth, getVersion', async () => {
    const multi = await call('getMultipleAccounts', [
      [accounts[0]!.pubkey, base58(randomKey())],
      { encoding: 'base64' },
    ])
    const value = (multi.json as { result: { value: unknown[] } }).result.value
    expect(value[0]).toMatchObject({ owner: PROGRAM_ID, space: 74 })
    expect(value[1]).toBeNull()
    const slot1 = ((await call('getSlot')).json as { result: number }).result
    await new Promise((r) => setTimeout(r, 120))
    expect(((await call('getSlot')).json as { result: number }).result).toBeGreaterThan(slot1)
    expect((await call('getHealth')).json).toEqual({ jsonrpc: '2.0', result: 'ok', id: 1 })
    expect(((await call('getVersion')).json as { result: Record<string, unknown> }).result).toEqual(
      {
        'feature-set': expect.any(Number),
        'solana-core': STAND_IN_SOLANA_VERSION,
      },
    )
  })

  it('returns Agave JSON-RPC errors', async () => {
    expect((await call('noSuchMethod', [], 7)).json).toEqual({
      jsonrpc: '2.0',
      error: { code: -32601, message: 'Method not found' },
      id: 7,
    })
    expect(
      ((await call('getAccountInfo', ['not-base58!'])).json as { error: { code: number } }).error
        .code,
    ).toBe(-32602)
    expect((await rpc('{"jsonrpc":')).json).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error' },
      id: null,
    })
    expect(((await rpc({ id: 1 })).json as { error: { code: number } }).error.code).toBe(-32600)
  })

  it('answers a batch in order', async () => {
    const { json } = await rpc([
      { jsonrpc: '2.0', id: 1, method: 'getHealth' },
      { jsonrpc: '2.0', id: 2, method: 'nope' },
    ])
    expect(json).toEqual([
      { jsonrpc: '2.0', result: 'ok', id: 1 },
      { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 2 },
    ])
  })

  it('registers, deactivates and removes validators through the paraloomDev_ methods', async () => {
    const other = randomKey()
    const upsert = await call('paraloomDev_upsertValidator', [
      {
        identity: base58(other),
        network: 'devnet',
        multiaddrs: ['/ip4/127.0.0.1/tcp/9009'],
        stake: '42',
      },
    ])
    const address = (upsert.json as { result: string }).result
    expect(decodeValidatorAccount(standIn.getAccount(address)!.data)).toMatchObject({
      stakeAmount: 42n,
      isActive: true,
    })
    await call('paraloomDev_deactivate', [base58(other)])
    expect(decodeValidatorAccount(standIn.getAccount(address)!.data).isActive).toBe(false)
    expect(
      ((await call('paraloomDev_removeAccount', [address])).json as { result: boolean }).result,
    ).toBe(true)
    expect(standIn.getAccount(address)).toBeUndefined()
    const file = JSON.parse(genesisFileText(accounts[1]!))
    expect(((await call('paraloomDev_setAccount', [file])).json as { result: string }).result).toBe(
      accounts[1]!.pubkey,
    )
  })
})

describe('LocalRpcStandIn over websockets', () => {
  it('sends programNotification and accountNotification in Agave shape', async () => {
    const socket = new WebSocket(standIn.wsUrl)
    const messages: unknown[] = []
    socket.on('message', (d) => messages.push(JSON.parse(d.toString())))
    await once(socket, 'open')
    const next = async (n: number) => {
      while (messages.length < n) await new Promise((r) => setTimeout(r, 10))
      return messages[n - 1] as Record<string, unknown>
    }
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'programSubscribe',
        params: [PROGRAM_ID, { encoding: 'base64' }],
      }),
    )
    const programSub = (await next(1)).result as number
    const address = await standIn.upsertValidator({
      identity: randomKey(),
      network: 'devnet',
      multiaddrs: [],
      stake: 1n,
    })
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'accountSubscribe',
        params: [address, { encoding: 'base64' }],
      }),
    )
    expect(await next(2)).toEqual({
      jsonrpc: '2.0',
      method: 'programNotification',
      params: {
        result: {
          context: { slot: expect.any(Number) },
          value: {
            pubkey: address,
            account: expect.objectContaining({
              owner: PROGRAM_ID,
              data: [expect.any(String), 'base64'],
            }),
          },
        },
        subscription: programSub,
      },
    })
    const accountSub = (await next(3)).result as number
    standIn.removeAccount(address)
    expect(await next(4)).toEqual({
      jsonrpc: '2.0',
      method: 'accountNotification',
      params: {
        result: {
          context: { slot: expect.any(Number) },
          value: expect.objectContaining({
            lamports: 0,
            owner: '11111111111111111111111111111111',
            space: 0,
          }),
        },
        subscription: accountSub,
      },
    })
    socket.send(
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'programUnsubscribe', params: [programSub] }),
    )
    expect(await next(5)).toEqual({ jsonrpc: '2.0', result: true, id: 3 })
    socket.close()
  })
})
