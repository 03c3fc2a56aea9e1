// The DHT validator and selector for /paraloom-validator/<base58>.
import { describe, expect, it } from '@jest/globals'
import { sign, ValidatorRecord } from '@paraloom/codec'
import { fromString } from 'uint8arrays'
import { checkRecord, recordKey, selectRecord, signRecord } from '../src/discovery/record.js'
import { StaticDirectory, seedPeer, solanaAddressFromPublicKey } from '../src/index.js'
import { makeValidator } from './helpers/nodes.js'

const validator = makeValidator()
const stranger = makeValidator()
const identity = solanaAddressFromPublicKey(validator.publicKey)
const directory = new StaticDirectory([seedPeer(validator.publicKey, ['/ip4/127.0.0.1/tcp/1'])])
const check = { network: 'localnet' as const, directory }
const key = recordKey(identity)

const record = (
  seq: bigint,
  overrides: Partial<ValidatorRecord> = {},
  signer = validator,
): Uint8Array =>
  ValidatorRecord.encode(
    sign(
      ValidatorRecord,
      {
        network: 'Localnet',
        identity: validator.publicKey,
        multiaddrs: ['/ip4/127.0.0.1/tcp/4001'],
        seq,
        issuedAtMs: 1n,
        signature: new Uint8Array(64),
        ...overrides,
      },
      signer.secretKey,
    ),
  )

const failure = (k: Uint8Array, value: Uint8Array): string => {
  try {
    checkRecord(k, value, check)
    return 'accepted'
  } catch (err) {
    expect(err).toMatchObject({ name: 'DiscoveryError', code: 'InvalidRecord' })
    return (err as Error).message
  }
}

describe('validator record', () => {
  it('accepts a signed record of an active validator under its own key', () => {
    const value = signRecord(
      {
        network: 'localnet',
        identity: validator.publicKey,
        multiaddrs: ['/ip4/1.2.3.4/tcp/1'],
        seq: 5n,
        nowMs: 9,
      },
      validator.secretKey,
    )
    expect(checkRecord(key, value, check).seq).toBe(5n)
  })

  it.each([
    ['garbage', () => [key, Uint8Array.of(1, 2, 3)], /does not decode/],
    [
      'over the 2 KiB cap',
      () => [key, new Uint8Array(ValidatorRecord.maxBytes + 1)],
      /does not decode/,
    ],
    ['another network', () => [key, record(1n, { network: 'Devnet' })], /network/],
    [
      'under another key',
      () => [recordKey(solanaAddressFromPublicKey(stranger.publicKey)), record(1n)],
      /does not match/,
    ],
    [
      'of a non-validator',
      () => [
        recordKey(solanaAddressFromPublicKey(stranger.publicKey)),
        record(1n, { identity: stranger.publicKey }, stranger),
      ],
      /not an active validator/,
    ],
    ['with a bad signature', () => [key, record(1n, {}, stranger)], /signature/],
    ['under a foreign namespace', () => [fromString(`/pk/${identity}`), record(1n)], /not under/],
  ] as Array<
    [string, () => [Uint8Array, Uint8Array], RegExp]
  >)('rejects a record %s', (_, make, why) => {
    const [k, value] = make()
    expect(failure(k, value)).toMatch(why)
  })

  it('the selector prefers the highest seq among valid records', () => {
    const records = [record(3n), record(9n), record(100n, {}, stranger), record(4n)]
    expect(selectRecord(key, records, check)).toBe(1)
  })
})
