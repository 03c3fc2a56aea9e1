/**
 * Devnet identities: one keypair per validator plus one whose address is the
 * registry program id. Files already in the devnet directory are reused, so
 * a devnet re-run in the same directory keeps its validators' PeerIds.
 */
import { mkdir } from 'node:fs/promises'
import { solanaAddressFromPublicKey } from '@paraloom/p2p'
import {
  generateKeypair,
  type Keypair,
  KeypairFileError,
  readKeypairFile,
  writeKeypairFile,
} from 'paraloom/keypair'
import { DevnetError } from './errors.js'
import type { DevnetLayout } from './layout.js'

export interface DevnetIdentities {
  /** The keypair whose address is the registry program id. */
  program: Keypair
  programId: string
  /** In validator order. */
  validators: Keypair[]
  /** How many keypair files this call wrote. */
  created: number
  /** How many it found and reused. */
  reused: number
}

/** Reads the keypair at `path`, or writes a new one there when there is none. */
export async function ensureKeypair(path: string): Promise<{ keypair: Keypair; created: boolean }> {
  try {
    return { keypair: await readKeypairFile(path), created: false }
  } catch (err) {
    if (!(err instanceof KeypairFileError)) throw err
    if (err.code !== 'NotFound') {
      throw new DevnetError(
        'BadIdentity',
        `${err.message}; fix or delete it (deleting changes that validator's identity)`,
        { cause: err },
      )
    }
  }
  const keypair = generateKeypair()
  await writeKeypairFile(path, keypair)
  return { keypair, created: true }
}

/** Every identity of the layout, reusing what exists. */
export async function ensureIdentities(layout: DevnetLayout): Promise<DevnetIdentities> {
  await mkdir(layout.keysDir, { recursive: true, mode: 0o700 })
  let created = 0
  const ensure = async (path: string): Promise<Keypair> => {
    const result = await ensureKeypair(path)
    if (result.created) created++
    return result.keypair
  }
  const program = await ensure(layout.programKeypairPath)
  const validators: Keypair[] = []
  for (const v of layout.validators) validators.push(await ensure(v.keypairPath))
  return {
    program,
    programId: solanaAddressFromPublicKey(program.publicKey),
    validators,
    created,
    reused: layout.validators.length + 1 - created,
  }
}
