/**
 * The Solana JSON-RPC URL flag, spelled as Solana's own CLIs spell it
 * (`-u, --url`) on every command. The spellings older releases used
 * (`--rpc-url` on `validator start`, `--rpc` on `registry list`) keep
 * working everywhere as hidden aliases.
 */
import { type Command, Option } from 'commander'
import { UsageError } from './usage.js'

const ALIASES = ['--rpc-url', '--rpc'] as const

/** Adds `-u, --url <url>` and its hidden aliases to `command`. */
export function addUrlOption(command: Command, description: string): Command {
  command.addOption(new Option('-u, --url <url>', description))
  for (const alias of ALIASES) command.addOption(new Option(`${alias} <url>`).hideHelp())
  return command
}

/** The URL given with any spelling, and the spelling; a UsageError when two spellings disagree. */
export function givenUrl(opts: UrlFlags): { flag: string; url: string } | undefined {
  const given = [
    ['--url', opts.url],
    ['--rpc-url', opts.rpcUrl],
    ['--rpc', opts.rpc],
  ].filter((g): g is [string, string] => g[1] !== undefined)
  const [first, ...rest] = given
  const other = rest.find(([, url]) => url !== first?.[1])
  if (first !== undefined && other !== undefined) {
    throw new UsageError(`${first[0]} ${first[1]} and ${other[0]} ${other[1]} disagree: pass one`)
  }
  return first && { flag: first[0], url: first[1] }
}

/** The URL given with any spelling; a UsageError when two spellings disagree. */
export function urlFlag(opts: UrlFlags): string | undefined {
  return givenUrl(opts)?.url
}

/** Flags that {@link urlFlag} reads. */
export interface UrlFlags {
  url?: string
  rpcUrl?: string
  rpc?: string
}
