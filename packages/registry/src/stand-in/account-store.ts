/**
 * The stand-in's accounts, its slot clock, and the writes a landing
 * transaction would make (set, close, register, deactivate). Each write is
 * handed to `onWrite`, which notifies the websocket subscribers.
 */
import type { Address } from '@solana/kit'
import {
  RENT_EXEMPT_EPOCH,
  type SolanaAccount,
  type ValidatorSpec,
  validatorSolanaAccount,
} from '../genesis.js'
import { decodeValidatorAccount, encodeValidatorAccount } from '../layout.js'
import { findValidatorPda } from '../pda.js'

export const SYSTEM_PROGRAM = '11111111111111111111111111111111'

export interface AccountStoreInit {
  accounts: readonly SolanaAccount[]
  /** The registry program, needed by `upsertValidator`/`deactivate`. */
  programId: Address | undefined
  /** Milliseconds per slot. */
  slotMs: number
  /** Called after every write, with the account as it now is (closed: lamports 0, no data). */
  onWrite(account: SolanaAccount): void
}

export class AccountStore {
  private readonly accounts = new Map<string, SolanaAccount>()
  private readonly startedAt = Date.now()
  /** Each write moves the slot on, so it is newer than any read before it. */
  private writeSlots = 0

  constructor(private readonly init: AccountStoreInit) {
    for (const a of init.accounts) this.accounts.set(a.pubkey, a)
  }

  slot(): number {
    return Math.floor((Date.now() - this.startedAt) / this.init.slotMs) + this.writeSlots
  }

  get(pubkey: string): SolanaAccount | undefined {
    return this.accounts.get(pubkey)
  }

  values(): IterableIterator<SolanaAccount> {
    return this.accounts.values()
  }

  /** Creates or replaces an account. */
  set(account: SolanaAccount): void {
    this.writeSlots++
    this.accounts.set(account.pubkey, account)
    this.init.onWrite(account)
  }

  /** Closes an account: lamports 0, owned by the system program, no data. */
  remove(pubkey: string): boolean {
    if (!this.accounts.has(pubkey)) return false
    this.writeSlots++
    this.accounts.delete(pubkey)
    this.init.onWrite({
      pubkey,
      lamports: 0n,
      data: new Uint8Array(0),
      owner: SYSTEM_PROGRAM,
      executable: false,
      rentEpoch: RENT_EXEMPT_EPOCH,
    })
    return true
  }

  /** Registers or rewrites a validator at its PDA; returns the account address. */
  async upsertValidator(spec: ValidatorSpec): Promise<string> {
    const account = await validatorSolanaAccount(this.requireProgramId(), spec)
    this.set(account)
    return account.pubkey
  }

  /** Sets `is_active = false` on the validator with this 32-byte identity. */
  async deactivate(identity: Uint8Array): Promise<string> {
    const pda = await findValidatorPda(this.requireProgramId(), identity)
    const current = this.accounts.get(pda.address)
    if (current === undefined) throw new Error(`no validator account at ${pda.address}`)
    const data = encodeValidatorAccount(
      { ...decodeValidatorAccount(current.data), isActive: false },
      { space: current.data.length },
    )
    this.set({ ...current, data })
    return pda.address
  }

  private requireProgramId(): Address {
    if (this.init.programId === undefined)
      throw new Error('the stand-in was started without a programId')
    return this.init.programId
  }
}
