import { generateKeyPairSync } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { publicKeyFromSecret } from '@paraloom/codec'
import { ParaloomError } from '@paraloom/interface'

/**
 * A validator identity as Solana stores it: the keypair file is a JSON array
 * of 64 numbers, the 32-byte ed25519 seed followed by the 32-byte public key
 * (which is the validator's Solana address and its libp2p PeerId key).
 */
export interface Keypair {
  /** The 32-byte ed25519 seed. */
  secretKey: Uint8Array
  /** The 32-byte ed25519 public key. */
  publicKey: Uint8Array
}

export type KeypairFileErrorCode = 'NotFound' | 'Unreadable' | 'Malformed' | 'Mismatch' | 'Exists'

/** A keypair file that cannot be used; `path` names the file. */
export class KeypairFileError extends ParaloomError<{ code: KeypairFileErrorCode; path: string }> {
  static override readonly name = 'KeypairFileError'
  constructor(
    code: KeypairFileErrorCode,
    readonly path: string,
    detail: string,
  ) {
    super({ code, path }, `keypair file ${path}: ${detail}`)
  }
}

/** A new random ed25519 keypair. */
export function generateKeypair(): Keypair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const d = privateKey.export({ format: 'jwk' }).d
  const x = publicKey.export({ format: 'jwk' }).x
  if (d === undefined || x === undefined) throw new Error('ed25519 JWK export lacks d or x')
  return { secretKey: Buffer.from(d, 'base64url'), publicKey: Buffer.from(x, 'base64url') }
}

/** Parses the 64-number JSON array of a Solana keypair file; `path` is only for messages. */
export function parseKeypairJson(text: string, path: string): Keypair {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new KeypairFileError('Malformed', path, 'is not JSON (expected an array of 64 numbers)')
  }
  if (!Array.isArray(parsed) || parsed.length !== 64) {
    throw new KeypairFileError('Malformed', path, 'expected a JSON array of exactly 64 numbers')
  }
  const bytes = new Uint8Array(64)
  for (const [i, n] of parsed.entries()) {
    if (!Number.isInteger(n) || n < 0 || n > 255) {
      throw new KeypairFileError('Malformed', path, `element ${i} is not a byte (0..255)`)
    }
    bytes[i] = n
  }
  const keypair = { secretKey: bytes.subarray(0, 32), publicKey: bytes.subarray(32) }
  const derived = publicKeyFromSecret(keypair.secretKey)
  if (!Buffer.from(derived).equals(keypair.publicKey)) {
    throw new KeypairFileError(
      'Mismatch',
      path,
      'the public key (bytes 32..64) does not belong to the seed (bytes 0..32)',
    )
  }
  return keypair
}

export async function readKeypairFile(path: string): Promise<Keypair> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new KeypairFileError(
        'NotFound',
        path,
        'does not exist (create one with `paraloom validator keygen --out <file>`)',
      )
    }
    throw new KeypairFileError('Unreadable', path, `cannot be read (${code ?? String(err)})`)
  }
  return parseKeypairJson(text, path)
}

/** Writes a keypair file readable only by its owner; never overwrites an existing file. */
export async function writeKeypairFile(path: string, keypair: Keypair): Promise<void> {
  const json = JSON.stringify([...keypair.secretKey, ...keypair.publicKey])
  try {
    await writeFile(path, `${json}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST')
      throw new KeypairFileError(
        'Exists',
        path,
        'already exists; refusing to overwrite an identity',
      )
    throw new KeypairFileError('Unreadable', path, `cannot be written (${code ?? String(err)})`)
  }
}
