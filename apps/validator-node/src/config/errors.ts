import { UsageError } from '@paraloom/cli-kit'

/**
 * A config file or flag value that cannot be used. `key` is the dotted path of
 * the offending key (`p2p.listen[1]`), `source` the file or flag it came from.
 * It is a usage error: the CLI prints it as one line and exits 2.
 */
export class ConfigError extends UsageError {
  static override readonly name: string = 'ConfigError'
  override readonly name: string = 'ConfigError'
  constructor(
    readonly source: string,
    readonly key: string,
    detail: string,
  ) {
    super(key === '' ? `${source}: ${detail}` : `${source}: ${key}: ${detail}`)
  }
}
