/** One skipped account or dropped multiaddr, naming the account and why. */
export interface RegistryWarning {
  address: string
  reason: string
}

/**
 * Passes each (address, reason) on once while it keeps recurring: a client
 * re-reading the registry every 30 s does not repeat the same warning, but a
 * new reason, or a problem that went away and came back, is reported again.
 * Holds only the warnings of the latest round, so its size follows the
 * account cap.
 */
export class WarningDeduper {
  private seen = new Set<string>()

  /** Returns the warnings of this round that the previous round did not have. */
  fresh(round: readonly RegistryWarning[]): RegistryWarning[] {
    const next = new Set<string>()
    const out: RegistryWarning[] = []
    for (const w of round) {
      const key = `${w.address}\n${w.reason}`
      if (next.has(key)) continue
      next.add(key)
      if (!this.seen.has(key)) out.push(w)
    }
    this.seen = next
    return out
  }
}
