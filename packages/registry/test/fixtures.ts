import { randomBytes } from 'node:crypto'
import { type Address, getAddressDecoder } from '@solana/kit'
import { VALIDATOR_DISCRIMINATOR, type ValidatorAccount } from '../src/layout.js'

const addressDecoder = getAddressDecoder()

export function randomKey(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

export function randomAddress(): Address {
  return addressDecoder.decode(randomKey())
}

export function base58(bytes: Uint8Array): Address {
  return addressDecoder.decode(bytes)
}

export const PROGRAM_ID = randomAddress()

export function validator(overrides: Partial<ValidatorAccount> = {}): ValidatorAccount {
  return {
    identity: randomKey(),
    network: 'devnet',
    isActive: true,
    stakeAmount: 5_000n,
    reputationScore: 7n,
    registeredAt: 1_700_000_000n,
    lastActive: 1_700_000_100n,
    bump: 254,
    multiaddrs: ['/ip4/127.0.0.1/tcp/9001'],
    ...overrides,
  }
}

export { VALIDATOR_DISCRIMINATOR }
