/**
 * The DHT record a validator puts under `/paraloom-validator/<base58>`
 * (network.md, "Discovery"): its validator accepts a record only if it
 * decodes within its cap, is for this network, its identity matches the key
 * and is an active validator, and its signature verifies; the selector
 * prefers the highest `seq`.
 */
import { sign, ValidatorRecord, verify } from '@paraloom/codec'
import type { NetworkName, ValidatorDirectory } from '@paraloom/interface'
import { fromString, toString as utf8 } from 'uint8arrays'
import { VALIDATOR_RECORD_NAMESPACE, validatorRecordKey, WIRE_NETWORK } from '../constants.js'
import { DiscoveryError } from '../errors.js'
import { publicKeyFromSolanaAddress, solanaAddressFromPublicKey } from '../identity.js'

const KEY_PREFIX = `/${VALIDATOR_RECORD_NAMESPACE}/`

export interface RecordCheck {
  network: NetworkName
  directory: ValidatorDirectory
}

/** The DHT key bytes for a validator identity (base58). */
export function recordKey(identity: string): Uint8Array {
  return fromString(validatorRecordKey(identity))
}

/** Builds and signs this node's record. `secretKey` is the 32-byte ed25519 seed. */
export function signRecord(
  init: {
    network: NetworkName
    identity: Uint8Array
    multiaddrs: string[]
    seq: bigint
    nowMs: number
  },
  secretKey: Uint8Array,
): Uint8Array {
  const record: ValidatorRecord = {
    network: WIRE_NETWORK[init.network],
    identity: init.identity,
    multiaddrs: init.multiaddrs,
    seq: init.seq,
    issuedAtMs: BigInt(init.nowMs),
    signature: new Uint8Array(64),
  }
  return ValidatorRecord.encode(sign(ValidatorRecord, record, secretKey))
}

/** Decodes and checks a record found under `key`; throws DiscoveryError('InvalidRecord') saying why. */
export function checkRecord(
  key: Uint8Array,
  value: Uint8Array,
  check: RecordCheck,
): ValidatorRecord {
  const invalid = (why: string): DiscoveryError =>
    new DiscoveryError('InvalidRecord', `validator record: ${why}`)
  const keyString = utf8(key)
  if (!keyString.startsWith(KEY_PREFIX))
    throw invalid(`key "${keyString}" is not under ${KEY_PREFIX}`)
  let keyIdentity: Uint8Array
  try {
    keyIdentity = publicKeyFromSolanaAddress(keyString.slice(KEY_PREFIX.length))
  } catch {
    throw invalid(`key "${keyString}" does not end with a Solana address`)
  }
  let record: ValidatorRecord
  try {
    // Within the record's cap (wire.md: 2 KiB), checked before anything is decoded.
    record = ValidatorRecord.decode(value, { maxBytes: ValidatorRecord.maxBytes })
  } catch (err) {
    throw invalid(`does not decode: ${(err as Error).message}`)
  }
  if (record.network !== WIRE_NETWORK[check.network]) {
    throw invalid(`network is ${record.network}, this node is on ${WIRE_NETWORK[check.network]}`)
  }
  const identity = solanaAddressFromPublicKey(record.identity)
  if (identity !== solanaAddressFromPublicKey(keyIdentity)) {
    throw invalid(`identity ${identity} does not match the key "${keyString}"`)
  }
  if (!check.directory.isActiveValidator(record.identity)) {
    throw invalid(`${identity} is not an active validator`)
  }
  if (!verify(ValidatorRecord, record)) throw invalid(`signature of ${identity} does not verify`)
  return record
}

/** kad-dht validator and selector for the `paraloom-validator` namespace. */
export function recordValidation(check: RecordCheck): {
  validate(key: Uint8Array, value: Uint8Array): Promise<void>
  select(key: Uint8Array, records: Uint8Array[]): number
} {
  return {
    async validate(key, value) {
      checkRecord(key, value, check)
    },
    select(key, records) {
      return selectRecord(key, records, check)
    },
  }
}

/** Index of the valid record with the highest `seq` (ties: the first); 0 when none is valid. */
export function selectRecord(key: Uint8Array, records: Uint8Array[], check: RecordCheck): number {
  let best = 0
  let bestSeq = -1n
  records.forEach((value, index) => {
    try {
      const { seq } = checkRecord(key, value, check)
      if (seq > bestSeq) {
        best = index
        bestSeq = seq
      }
    } catch {
      // an invalid record is never selected
    }
  })
  return best
}
