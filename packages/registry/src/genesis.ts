/**
 * Genesis files for a local chain (registry.md, "Genesis files"): one
 * `solana account --output json` file per account, which
 * `solana-test-validator --account-dir DIR` and the stand-in both load.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type NetworkName, ParaloomError } from '@paraloom/interface'
import { type Address, isAddress } from '@solana/kit'
import { parseWithBigInts, stringifyWithBigInts } from './json.js'
import {
  encodeValidatorAccount,
  encodeValidatorRegistry,
  VALIDATOR_ACCOUNT_MAX_SIZE,
  type ValidatorAccount,
} from './layout.js'
import { findRegistryPda, findValidatorPda } from './pda.js'

/** u64::MAX: the `rentEpoch` of a rent-exempt account. */
export const RENT_EXEMPT_EPOCH = 18446744073709551615n

/** A Solana account as a genesis file (and the stand-in) holds it. */
export interface SolanaAccount {
  pubkey: string
  lamports: bigint
  data: Uint8Array
  owner: string
  executable: boolean
  rentEpoch: bigint
}

/** Lamports that make an account of `dataLength` bytes rent-exempt: `(128 + len) * 6960`. */
export function rentExemptLamports(dataLength: number): bigint {
  return BigInt(128 + dataLength) * 6960n
}

function programAccount(pubkey: string, owner: string, data: Uint8Array): SolanaAccount {
  return {
    pubkey,
    lamports: rentExemptLamports(data.length),
    data,
    owner,
    executable: false,
    rentEpoch: RENT_EXEMPT_EPOCH,
  }
}

/** The fields of a validator to register; the rest get defaults. */
export interface ValidatorSpec {
  /** 32-byte ed25519 public key. */
  identity: Uint8Array
  network: NetworkName
  multiaddrs: string[]
  /** Lamports. */
  stake: bigint
  /** @default 0n */
  reputation?: bigint
  /** @default true */
  isActive?: boolean
  /** Unix seconds. @default 0n */
  registeredAt?: bigint
}

/** A `ValidatorAccount` at its PDA, with Anchor's full `space` allocated. */
export async function validatorSolanaAccount(
  programId: Address,
  spec: ValidatorSpec,
): Promise<SolanaAccount> {
  const pda = await findValidatorPda(programId, spec.identity)
  const account: ValidatorAccount = {
    identity: spec.identity,
    network: spec.network,
    isActive: spec.isActive ?? true,
    stakeAmount: spec.stake,
    reputationScore: spec.reputation ?? 0n,
    registeredAt: spec.registeredAt ?? 0n,
    lastActive: spec.registeredAt ?? 0n,
    bump: pda.bump,
    multiaddrs: spec.multiaddrs,
  }
  const data = encodeValidatorAccount(account, { space: VALIDATOR_ACCOUNT_MAX_SIZE })
  return programAccount(pda.address, programId, data)
}

export interface RegistrySpec {
  programId: Address
  network: NetworkName
  /** 32-byte authority key. @default 32 zero bytes */
  authority?: Uint8Array
  /** Lamports. @default 0n */
  minimumStake?: bigint
  validators: ValidatorSpec[]
}

/** The registry PDA account and one account per validator. */
export async function buildGenesisAccounts(spec: RegistrySpec): Promise<SolanaAccount[]> {
  const registryPda = await findRegistryPda(spec.programId)
  const active = spec.validators.filter((v) => v.isActive ?? true)
  const registryData = encodeValidatorRegistry({
    authority: spec.authority ?? new Uint8Array(32),
    network: spec.network,
    totalValidators: BigInt(spec.validators.length),
    activeValidators: BigInt(active.length),
    minimumStake: spec.minimumStake ?? 0n,
    totalActiveStake: active.reduce((sum, v) => sum + v.stake, 0n),
    bump: registryPda.bump,
  })
  const validators = await Promise.all(
    spec.validators.map((v) => validatorSolanaAccount(spec.programId, v)),
  )
  return [programAccount(registryPda.address, spec.programId, registryData), ...validators]
}

/** The file text `solana account --output json` prints, `rentEpoch` as an exact integer. */
export function genesisFileText(account: SolanaAccount): string {
  return `${stringifyWithBigInts({
    pubkey: account.pubkey,
    account: {
      lamports: account.lamports,
      data: [Buffer.from(account.data).toString('base64'), 'base64'],
      owner: account.owner,
      executable: account.executable,
      rentEpoch: account.rentEpoch,
      space: account.data.length,
    },
  })}\n`
}

/** Writes `<address>.json` per account into `dir`; returns the paths. */
export async function writeGenesisFiles(
  dir: string,
  accounts: readonly SolanaAccount[],
): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const paths: string[] = []
  for (const account of accounts) {
    const path = join(dir, `${account.pubkey}.json`)
    await writeFile(path, genesisFileText(account))
    paths.push(path)
  }
  return paths
}

/**
 * A genesis directory or file that cannot be loaded. `Malformed`: not in the
 * `solana account --output json` format; `TooManyFiles`/`TooLarge`: over the
 * directory's caps. `path` is the file or directory.
 */
export type GenesisFileErrorCode = 'Malformed' | 'TooManyFiles' | 'TooLarge'

export class GenesisFileError extends ParaloomError<{ code: GenesisFileErrorCode; path: string }> {
  static override readonly name = 'GenesisFileError'
}

const BIGINT_KEYS = ['lamports', 'rentEpoch', 'space']

/** Parses one genesis file's text. */
export function parseGenesisFile(text: string, file: string): SolanaAccount {
  let json: unknown
  try {
    json = parseWithBigInts(text, BIGINT_KEYS)
  } catch (err) {
    throw new GenesisFileError(
      { code: 'Malformed', path: file },
      `${file}: not JSON (${(err as Error).message})`,
    )
  }
  const top = json as { pubkey?: unknown; account?: Record<string, unknown> } | null
  const a = top?.account
  const fail = (what: string): never => {
    throw new GenesisFileError({ code: 'Malformed', path: file }, `${file}: ${what}`)
  }
  if (typeof top?.pubkey !== 'string' || !isAddress(top.pubkey)) return fail('pubkey is not base58')
  if (typeof a !== 'object' || a === null) return fail('account is missing')
  if (typeof a.lamports !== 'bigint') return fail('account.lamports is not an integer')
  if (typeof a.owner !== 'string' || !isAddress(a.owner)) return fail('account.owner is not base58')
  const data = a.data
  if (!Array.isArray(data) || typeof data[0] !== 'string' || data[1] !== 'base64') {
    return fail('account.data is not [base64, "base64"]')
  }
  return {
    pubkey: top.pubkey,
    lamports: a.lamports,
    data: new Uint8Array(Buffer.from(data[0], 'base64')),
    owner: a.owner,
    executable: a.executable === true,
    // A file that went through a JS number has 2^64 here, not u64::MAX: clamp it back.
    rentEpoch:
      typeof a.rentEpoch === 'bigint' && a.rentEpoch < RENT_EXEMPT_EPOCH
        ? a.rentEpoch
        : RENT_EXEMPT_EPOCH,
  }
}

export interface GenesisDirLimits {
  /** @default 100_000 */
  maxFiles?: number
  /** @default 1 MiB */
  maxFileBytes?: number
}

/** Loads every `*.json` genesis file of `dir`. */
export async function readGenesisDirectory(
  dir: string,
  limits: GenesisDirLimits = {},
): Promise<SolanaAccount[]> {
  const maxFiles = limits.maxFiles ?? 100_000
  const maxFileBytes = limits.maxFileBytes ?? 1024 * 1024
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()
  if (names.length > maxFiles) {
    throw new GenesisFileError(
      { code: 'TooManyFiles', path: dir },
      `${dir} holds ${names.length} account files, more than ${maxFiles}`,
    )
  }
  const accounts: SolanaAccount[] = []
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8')
    if (text.length > maxFileBytes)
      throw new GenesisFileError(
        { code: 'TooLarge', path: name },
        `${name} exceeds ${maxFileBytes} bytes`,
      )
    accounts.push(parseGenesisFile(text, name))
  }
  return accounts
}
