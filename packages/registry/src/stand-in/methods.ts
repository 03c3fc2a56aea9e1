/**
 * The stand-in's HTTP JSON-RPC methods: Solana's read methods in Agave's
 * shapes, and the `paraloomDev_*` methods (development only, NOT part of
 * Solana's API) that let a test or the devnet change the registry while
 * nodes run.
 */
import { isNetworkName } from '@paraloom/interface'
import type { Address } from '@solana/kit'
import { parseGenesisFile, type SolanaAccount, type ValidatorSpec } from '../genesis.js'
import { addressBytes } from '../pda.js'
import { type AccountStore, SYSTEM_PROGRAM } from './account-store.js'
import {
  accountJson,
  configOf,
  MAX_MULTIPLE_ACCOUNTS,
  matchesFilters,
  parseAddress,
  parseEncoding,
  parseProgramQuery,
} from './accounts.js'
import type { Faults } from './faults.js'
import { JsonRpcFault, type JsonRpcRequest } from './json-rpc.js'

/** The Agave version the stand-in reports (`getVersion`, `context.apiVersion`). */
export const STAND_IN_SOLANA_VERSION = '2.2.0'
const FEATURE_SET = 3294202862

/** `context` of an RPC response, at the store's current slot. */
export function rpcContext(store: AccountStore): { apiVersion: string; slot: number } {
  return { apiVersion: STAND_IN_SOLANA_VERSION, slot: store.slot() }
}

/** Answers one HTTP JSON-RPC request; throws a JsonRpcFault for a bad one. */
export function callHttpMethod(
  store: AccountStore,
  faults: Faults,
  req: JsonRpcRequest,
): Promise<unknown> {
  const p = req.params
  switch (req.method) {
    case 'getHealth':
      return Promise.resolve('ok')
    case 'getSlot':
      return Promise.resolve(store.slot())
    case 'getVersion':
      return Promise.resolve({
        'feature-set': FEATURE_SET,
        'solana-core': STAND_IN_SOLANA_VERSION,
      })
    case 'getLatestBlockhash':
      return Promise.resolve({
        context: rpcContext(store),
        value: { blockhash: SYSTEM_PROGRAM, lastValidBlockHeight: store.slot() + 150 },
      })
    case 'getAccountInfo': {
      const pubkey = parseAddress(p[0], 'pubkey')
      const account = store.get(pubkey)
      const encoding = parseEncoding(configOf(p[1]), account)
      const value = account === undefined ? null : accountJson(account, encoding)
      return Promise.resolve({ context: rpcContext(store), value })
    }
    case 'getMultipleAccounts': {
      const keys = p[0]
      if (!Array.isArray(keys) || keys.length > MAX_MULTIPLE_ACCOUNTS) {
        throw JsonRpcFault.invalidParams(
          `expected an array of at most ${MAX_MULTIPLE_ACCOUNTS} pubkeys`,
        )
      }
      const config = configOf(p[1])
      const value = keys.map((k) => {
        const account = store.get(parseAddress(k, 'pubkey'))
        return account === undefined ? null : accountJson(account, parseEncoding(config, account))
      })
      return Promise.resolve({ context: rpcContext(store), value })
    }
    case 'getProgramAccounts': {
      const query = parseProgramQuery(p)
      const value: unknown[] = []
      for (const account of faults.programAccountsHidden ? [] : store.values()) {
        if (account.owner !== query.programId || !matchesFilters(account, query.filters)) continue
        value.push({
          pubkey: account.pubkey,
          account: accountJson(account, parseEncoding({ encoding: query.encoding }, account)),
        })
      }
      return Promise.resolve(query.withContext ? { context: rpcContext(store), value } : value)
    }
    default:
      return callDevMethod(store, faults, req)
  }
}

/** The `paraloomDev_*` methods: development only, not part of Solana's API. */
async function callDevMethod(
  store: AccountStore,
  faults: Faults,
  req: JsonRpcRequest,
): Promise<unknown> {
  const p = req.params
  switch (req.method) {
    case 'paraloomDev_setAccount': {
      const account = parseGenesisFileParam(p[0])
      store.set(account)
      return account.pubkey
    }
    case 'paraloomDev_removeAccount':
      return store.remove(parseAddress(p[0], 'pubkey'))
    case 'paraloomDev_upsertValidator':
      return store.upsertValidator(parseValidatorSpec(p[0]))
    case 'paraloomDev_deactivate':
      return store.deactivate(addressBytes(parseAddress(p[0], 'identity') as Address))
    case 'paraloomDev_hideProgramAccounts': {
      if (typeof p[0] !== 'boolean') throw JsonRpcFault.invalidParams('hidden must be a boolean')
      faults.programAccountsHidden = p[0]
      return p[0]
    }
    default:
      throw JsonRpcFault.methodNotFound()
  }
}

function parseGenesisFileParam(value: unknown): SolanaAccount {
  try {
    return parseGenesisFile(JSON.stringify(value), 'account')
  } catch (err) {
    throw JsonRpcFault.invalidParams((err as Error).message)
  }
}

function parseValidatorSpec(value: unknown): ValidatorSpec {
  const v = configOf(value)
  const bigintOf = (x: unknown, what: string): bigint => {
    if (typeof x !== 'string' && typeof x !== 'number')
      throw JsonRpcFault.invalidParams(`${what} must be an integer`)
    try {
      return BigInt(x)
    } catch {
      throw JsonRpcFault.invalidParams(`${what} must be an integer`)
    }
  }
  if (!isNetworkName(v.network)) throw JsonRpcFault.invalidParams('network is unknown')
  if (!Array.isArray(v.multiaddrs) || !v.multiaddrs.every((m) => typeof m === 'string')) {
    throw JsonRpcFault.invalidParams('multiaddrs must be an array of strings')
  }
  return {
    identity: addressBytes(parseAddress(v.identity, 'identity') as Address),
    network: v.network,
    multiaddrs: v.multiaddrs as string[],
    stake: bigintOf(v.stake, 'stake'),
    reputation: v.reputation === undefined ? 0n : bigintOf(v.reputation, 'reputation'),
    isActive: v.isActive !== false,
  }
}
