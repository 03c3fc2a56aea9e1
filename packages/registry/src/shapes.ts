/**
 * Kit does not validate RPC responses; these checks turn what the server
 * sent into typed values or a `bad-shape` error naming what was wrong.
 */
import { isAddress } from '@solana/kit'
import { RegistryRpcError } from './errors.js'
import type { RawAccount } from './seeds.js'

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function bad(message: string): RegistryRpcError {
  return new RegistryRpcError('BadShape', message)
}

/** Decodes a `[base64, "base64"]` data pair, refusing more than `maxBytes` before decoding. */
function decodeDataPair(data: unknown, where: string, maxBytes: number): Uint8Array {
  if (
    !Array.isArray(data) ||
    data.length !== 2 ||
    typeof data[0] !== 'string' ||
    data[1] !== 'base64'
  ) {
    throw bad(`${where}: data is not a [base64, "base64"] pair`)
  }
  const text = data[0]
  if (Math.floor((text.length * 3) / 4) > maxBytes + 2) {
    throw bad(`${where}: data is larger than ${maxBytes} bytes`)
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw bad(`${where}: data is not base64`)
  }
  const bytes = Buffer.from(text, 'base64')
  if (bytes.length > maxBytes) throw bad(`${where}: data is larger than ${maxBytes} bytes`)
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** An account object (`{data, owner, ...}`) at `address`. */
export function parseAccount(address: string, account: unknown, maxDataBytes: number): RawAccount {
  const where = `account ${address}`
  if (!isRecord(account)) throw bad(`${where} is not an object`)
  if (typeof account.owner !== 'string' || !isAddress(account.owner)) {
    throw bad(`${where}: owner is not a base58 address`)
  }
  return { address, owner: account.owner, data: decodeDataPair(account.data, where, maxDataBytes) }
}

/** A `{pubkey, account}` element of getProgramAccounts or of a program notification. */
export function parseKeyedAccount(value: unknown, maxDataBytes: number): RawAccount {
  if (!isRecord(value) || typeof value.pubkey !== 'string' || !isAddress(value.pubkey)) {
    throw bad('keyed account without a base58 pubkey')
  }
  return parseAccount(value.pubkey, value.account, maxDataBytes)
}

/** `{context: {slot}, value}`: returns the slot and the value. */
export function parseContextValue(result: unknown, what: string): { slot: bigint; value: unknown } {
  if (!isRecord(result) || !isRecord(result.context) || !('value' in result)) {
    throw bad(`${what}: result is not {context, value}`)
  }
  const slot = result.context.slot
  if (typeof slot !== 'bigint' && typeof slot !== 'number')
    throw bad(`${what}: context.slot is missing`)
  return { slot: BigInt(slot), value: result.value }
}
