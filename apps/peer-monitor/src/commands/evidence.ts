import { Command } from 'commander'
import { evidenceDurationMs } from '../engine/evidence-engine.js'
import { humanDuration } from '../format.js'
import { openStore } from '../store/store.js'
import { type CliIo, integerOption, openOrUsage } from './shared.js'

/** `peer-monitor evidence --db FILE [--json] [--limit N]`: prints stored evidence, open first. */
export function evidenceCommand(io: CliIo): Command {
  return new Command('evidence')
    .description(
      'Print the unavailability evidence stored in a peer-monitor database, open records first.',
    )
    .requiredOption('--db <file>', 'the peer-monitor SQLite database')
    .option('--json', 'one JSON array instead of text')
    .addOption(integerOption('--limit <n>', 'most records to print', 1, 1_000_000).default(100))
    .action((opts: { db: string; json?: boolean; limit: number }) => {
      const store = openOrUsage(() => openStore({ file: opts.db, readonly: true }))
      try {
        const now = io.clock()
        const records = store.evidence(opts.limit)
        if (opts.json) {
          const out = records.map((r) => ({
            id: r.id,
            validator: r.validator,
            status: r.closedAtMs === null ? 'open' : 'closed',
            offline_since_ms: r.offlineSinceMs,
            opened_at_ms: r.openedAtMs,
            last_seen_ms: r.lastSeenMs,
            closed_at_ms: r.closedAtMs,
            duration_ms: evidenceDurationMs(r, now),
            missed_pings: r.missedPings,
            observers: r.observers,
          }))
          io.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
          return
        }
        if (records.length === 0) {
          io.stdout.write('no unavailability evidence\n')
          return
        }
        for (const r of records) {
          const status = r.closedAtMs === null ? 'OPEN  ' : 'closed'
          const lastSeen = r.lastSeenMs === null ? 'never' : new Date(r.lastSeenMs).toISOString()
          io.stdout.write(
            `${status} ${r.validator} offline since ${new Date(r.offlineSinceMs).toISOString()} ` +
              `for ${humanDuration(evidenceDurationMs(r, now))}, ${r.missedPings} missed pings, ` +
              `last seen ${lastSeen}, seen by ${r.observers.length} observers: ${r.observers.join(', ')}\n`,
          )
        }
      } finally {
        store.close()
      }
    })
}
