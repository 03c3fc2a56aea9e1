/**
 * The stand-in's account store and the read methods over it, with Agave's
 * encodings and filters.
 */
import { getBase58Decoder, getBase58Encoder, isAddress } from '@solana/kit'
import type { SolanaAccount } from '../genesis.js'
import { JsonRpcFault } from './json-rpc.js'

const base58Decoder = getBase58Decoder()
const base58Encoder = getBase58Encoder()

/** Agave's limits on filters (`MAX_GET_PROGRAM_ACCOUNT_FILTERS`, memcmp bytes). */
const MAX_FILTERS = 4
const MAX_MEMCMP_BYTES = 128
/** Agave's `MAX_MULTIPLE_ACCOUNTS`. */
export const MAX_MULTIPLE_ACCOUNTS = 100
/** Agave refuses base58 for data above 128 bytes. */
const MAX_BASE58_DATA_BYTES = 128

export type DataEncoding = 'base64' | 'base58'

/** An account in `getAccountInfo` shape. */
export function accountJson(account: SolanaAccount, encoding: DataEncoding) {
  const data =
    encoding === 'base64'
      ? [Buffer.from(account.data).toString('base64'), 'base64']
      : [base58Decoder.decode(account.data), 'base58']
  return {
    data,
    executable: account.executable,
    lamports: account.lamports,
    owner: account.owner,
    rentEpoch: account.rentEpoch,
    space: account.data.length,
  }
}

type Filter = { memcmp: { offset: number; bytes: Uint8Array } } | { dataSize: number }

function configOf(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw JsonRpcFault.invalidParams('config must be an object')
  }
  return value as Record<string, unknown>
}

export function parseEncoding(
  config: Record<string, unknown>,
  account?: SolanaAccount,
): DataEncoding {
  const encoding = config.encoding ?? 'base58'
  if (encoding !== 'base64' && encoding !== 'base58') {
    throw JsonRpcFault.invalidParams(`unsupported encoding ${String(encoding)}`)
  }
  if (
    encoding === 'base58' &&
    account !== undefined &&
    account.data.length > MAX_BASE58_DATA_BYTES
  ) {
    throw new JsonRpcFault(
      -32600,
      'Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.',
    )
  }
  return encoding
}

export function parseAddress(value: unknown, what: string): string {
  if (typeof value !== 'string' || !isAddress(value))
    throw JsonRpcFault.invalidParams(`${what} is not a valid address`)
  return value
}

function memcmpBytes(m: Record<string, unknown>): Uint8Array {
  if (typeof m.bytes !== 'string') throw JsonRpcFault.invalidParams('memcmp bytes must be a string')
  const encoding = m.encoding ?? 'base58'
  try {
    if (encoding === 'base64') return new Uint8Array(Buffer.from(m.bytes, 'base64'))
    if (encoding === 'base58') return new Uint8Array(base58Encoder.encode(m.bytes))
  } catch {
    throw JsonRpcFault.invalidParams('memcmp bytes do not decode')
  }
  throw JsonRpcFault.invalidParams(`unsupported memcmp encoding ${String(encoding)}`)
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

export function parseFilters(value: unknown): Filter[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || value.length > MAX_FILTERS) {
    throw JsonRpcFault.invalidParams(`filters must be an array of at most ${MAX_FILTERS}`)
  }
  return value.map((f: unknown): Filter => {
    const filter = configOf(f)
    if (isIndex(filter.dataSize)) return { dataSize: filter.dataSize }
    const m = configOf(filter.memcmp)
    if (!isIndex(m.offset)) throw JsonRpcFault.invalidParams('filter is not memcmp or dataSize')
    const bytes = memcmpBytes(m)
    if (bytes.length > MAX_MEMCMP_BYTES)
      throw JsonRpcFault.invalidParams('memcmp bytes are too long')
    return { memcmp: { offset: m.offset, bytes } }
  })
}

export function matchesFilters(account: SolanaAccount, filters: readonly Filter[]): boolean {
  return filters.every((f) => {
    if ('dataSize' in f) return account.data.length === f.dataSize
    const { offset, bytes } = f.memcmp
    if (offset + bytes.length > account.data.length) return false
    return bytes.every((b, i) => account.data[offset + i] === b)
  })
}

/** Parses the `(programId, config)` of getProgramAccounts and programSubscribe. */
export function parseProgramQuery(params: unknown[]) {
  const programId = parseAddress(params[0], 'program id')
  const config = configOf(params[1])
  return {
    programId,
    encoding: parseEncoding(config),
    filters: parseFilters(config.filters),
    withContext: config.withContext === true,
  }
}

export { configOf }
