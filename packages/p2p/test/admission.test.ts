import { describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ConfigError } from '@paraloom/interface'
import { Admission } from '../src/admission.js'
import {
  peerIdFromPublicKeyBytes,
  StaticDirectory,
  seedPeer,
  solanaAddressFromPublicKey,
} from '../src/index.js'
import { makeValidator } from './helpers/nodes.js'

const validator = makeValidator()
const outsider = makeValidator()
const directory = new StaticDirectory([seedPeer(validator.publicKey, ['/ip4/127.0.0.1/tcp/1'])])
const validatorId = peerIdFromPublicKeyBytes(validator.publicKey)
const outsiderId = peerIdFromPublicKeyBytes(outsider.publicKey)

describe('Admission', () => {
  it('validators mode admits active validators and the allow-list only', () => {
    const admission = new Admission({ mode: 'validators', directory })
    expect(admission.isAdmitted(validatorId)).toBe(true)
    expect(admission.isAdmitted(outsiderId)).toBe(false)
    const allowing = new Admission({
      mode: 'validators',
      directory,
      allow: [outsiderId.toString()],
    })
    expect(allowing.isAdmitted(outsiderId)).toBe(true)
    const byAddress = new Admission({
      mode: 'validators',
      directory,
      allow: [solanaAddressFromPublicKey(outsider.publicKey)],
    })
    expect(byAddress.isAdmitted(outsiderId)).toBe(true)
  })

  it('open mode admits anyone; the deny-list wins over both', () => {
    expect(new Admission({ mode: 'open', directory }).isAdmitted(outsiderId)).toBe(true)
    const denying = new Admission({ mode: 'open', directory, deny: [validatorId.toString()] })
    expect(denying.isAdmitted(validatorId)).toBe(false)
  })

  it('follows the directory: a deactivated validator loses admission', () => {
    const dir = new StaticDirectory([seedPeer(validator.publicKey, ['/ip4/127.0.0.1/tcp/1'])])
    const admission = new Admission({ mode: 'validators', directory: dir })
    expect(admission.isAdmitted(validatorId)).toBe(true)
    dir.remove(validator.publicKey)
    expect(admission.isAdmitted(validatorId)).toBe(false)
  })

  it('bans expire and are capped', () => {
    let now = 0
    const admission = new Admission({ mode: 'open', directory, maxBans: 1, nowMs: () => now })
    admission.ban(validatorId, 100)
    expect(admission.isAdmitted(validatorId)).toBe(false)
    now = 100
    expect(admission.isAdmitted(validatorId)).toBe(true)
    admission.ban(validatorId, 100)
    admission.ban(outsiderId, 500) // over the cap: the ban closest to expiry goes
    expect(admission.isAdmitted(validatorId)).toBe(true)
    expect(admission.isAdmitted(outsiderId)).toBe(false)
  })

  it('the gater refuses on the encrypted-connection hooks and on dial', async () => {
    const gater = new Admission({ mode: 'validators', directory }).gater()
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    expect(gater.denyInboundEncryptedConnection?.(outsiderId, {} as never)).toBe(true)
    expect(gater.denyOutboundEncryptedConnection?.(outsiderId, {} as never)).toBe(true)
    expect(gater.denyDialPeer?.(outsiderId)).toBe(true)
    expect(gater.denyInboundEncryptedConnection?.(validatorId, {} as never)).toBe(false)
    expect(gater.denyInboundEncryptedConnection?.(secp, {} as never)).toBe(true)
  })

  it('refuses an allow-list entry that is not a peer', () => {
    expect(() => new Admission({ mode: 'validators', directory, allow: ['nope!'] })).toThrow(
      ConfigError,
    )
  })
})
