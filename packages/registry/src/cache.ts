/**
 * The last good snapshot on disk, so a node restarted while the RPC is down
 * still has seeds. JSON with a version field; written to a temp file and
 * renamed so a crash never leaves half a file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RawAccount } from './seeds.js'

export const CACHE_FILE_NAME = 'registry-snapshot.json'
const CACHE_VERSION = 1

export interface CachedSnapshot {
  programId: string
  network: string
  /** When the snapshot was read from RPC (ms since epoch). */
  readAtMs: number
  slot: bigint
  registryAccount: RawAccount
  accounts: RawAccount[]
}

interface CachedAccountJson {
  address: string
  owner: string
  data: string
}

const toJson = (a: RawAccount): CachedAccountJson => ({
  address: a.address,
  owner: a.owner,
  data: Buffer.from(a.data).toString('base64'),
})

function fromJson(v: unknown): RawAccount {
  const a = v as Partial<CachedAccountJson> | null
  if (typeof a?.address !== 'string' || typeof a.owner !== 'string' || typeof a.data !== 'string') {
    throw new Error('account entry is not {address, owner, data}')
  }
  return { address: a.address, owner: a.owner, data: new Uint8Array(Buffer.from(a.data, 'base64')) }
}

export async function writeSnapshotCache(
  stateDir: string,
  snapshot: CachedSnapshot,
): Promise<void> {
  await mkdir(stateDir, { recursive: true })
  const file = join(stateDir, CACHE_FILE_NAME)
  const temp = `${file}.${process.pid}.tmp`
  const body = {
    version: CACHE_VERSION,
    programId: snapshot.programId,
    network: snapshot.network,
    readAtMs: snapshot.readAtMs,
    slot: snapshot.slot.toString(),
    registryAccount: toJson(snapshot.registryAccount),
    accounts: snapshot.accounts.map(toJson),
  }
  await writeFile(temp, JSON.stringify(body))
  await rename(temp, file)
}

/**
 * Reads the cached snapshot: undefined when there is none, an Error (to log
 * as a warning) when the file is corrupt or from another version.
 */
export async function readSnapshotCache(
  stateDir: string,
  maxBytes: number,
): Promise<CachedSnapshot | undefined | Error> {
  let text: string
  try {
    text = await readFile(join(stateDir, CACHE_FILE_NAME), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return err as Error
  }
  if (text.length > maxBytes) return new Error(`cache file is larger than ${maxBytes} bytes`)
  try {
    const json = JSON.parse(text) as Record<string, unknown>
    if (json.version !== CACHE_VERSION) return new Error(`cache version is ${json.version}`)
    if (!Array.isArray(json.accounts)) throw new Error('accounts is not an array')
    return {
      programId: String(json.programId),
      network: String(json.network),
      readAtMs: Number(json.readAtMs),
      slot: BigInt(String(json.slot)),
      registryAccount: fromJson(json.registryAccount),
      accounts: json.accounts.map(fromJson),
    }
  } catch (err) {
    return new Error(`cache file is corrupt: ${(err as Error).message}`)
  }
}
