import { describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { publicKeyFromSecret } from '@paraloom/codec'
import {
  IdentityError,
  identityFromSolanaKeypair,
  peerIdFromSolanaAddress,
  publicKeyFromSolanaAddress,
  solanaAddressFromPeerId,
  solanaAddressFromPublicKey,
} from '../src/index.js'
import { makeValidator } from './helpers/nodes.js'

const keypairBytes = (seed: Uint8Array): Uint8Array => {
  const bytes = new Uint8Array(64)
  bytes.set(seed)
  bytes.set(publicKeyFromSecret(seed), 32)
  return bytes
}

describe('identity from a Solana keypair', () => {
  it('gives the ed25519 key whose PeerId holds the Solana public key (64-byte keypair and 32-byte seed)', async () => {
    const { secretKey, publicKey } = makeValidator()
    const fromKeypair = await identityFromSolanaKeypair(keypairBytes(secretKey))
    const fromSeed = await identityFromSolanaKeypair(secretKey)
    expect(fromKeypair.type).toBe('Ed25519')
    expect(fromKeypair.publicKey.raw).toEqual(publicKey)
    expect(fromSeed.publicKey.raw).toEqual(publicKey)
    const address = solanaAddressFromPublicKey(publicKey)
    expect(solanaAddressFromPeerId(peerIdFromPrivateKey(fromKeypair))).toBe(address)
  })

  it('refuses a keypair whose bytes 32..64 are not the public key of bytes 0..32', async () => {
    const bytes = keypairBytes(makeValidator().secretKey)
    bytes[40] = (bytes[40] as number) ^ 1
    await expect(identityFromSolanaKeypair(bytes)).rejects.toMatchObject({
      name: 'IdentityError',
      code: 'KeyMismatch',
    })
  })

  it.each([0, 31, 33, 63, 65])('refuses %i bytes', async (length) => {
    await expect(identityFromSolanaKeypair(new Uint8Array(length))).rejects.toMatchObject({
      name: 'IdentityError',
      code: 'InvalidLength',
    })
  })
})

describe('PeerId <-> Solana address', () => {
  it('round-trips both ways', () => {
    const { publicKey } = makeValidator()
    const address = solanaAddressFromPublicKey(publicKey)
    const peerId = peerIdFromSolanaAddress(address)
    expect(peerId.type).toBe('Ed25519')
    expect(peerId.publicKey.raw).toEqual(publicKey)
    expect(solanaAddressFromPeerId(peerId)).toBe(address)
    expect(publicKeyFromSolanaAddress(address)).toEqual(publicKey)
  })

  it.each([
    ['not base58', '0OIl'],
    ['empty', ''],
    ['too short', '3yZe7d'],
    ['too long', `${solanaAddressFromPublicKey(new Uint8Array(32).fill(7))}2`],
  ])('refuses an address that is %s', (_, address) => {
    expect(() => peerIdFromSolanaAddress(address)).toThrow(IdentityError)
  })

  it('refuses a non-Ed25519 PeerId', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    expect(() => solanaAddressFromPeerId(peerId)).toThrow(
      expect.objectContaining({ code: 'NotEd25519' }),
    )
  })
})
