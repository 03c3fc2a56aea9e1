import { UsageError } from '@paraloom/cli-kit'
import { type Keypair, KeypairFileError, readKeypairFile } from '../keypair.js'

/** The keypair file at `path`; a missing or malformed one is a usage error (one line, exit 2). */
export async function readKeypairForCommand(path: string): Promise<Keypair> {
  try {
    return await readKeypairFile(path)
  } catch (err) {
    if (err instanceof KeypairFileError) throw new UsageError(err.message)
    throw err
  }
}
