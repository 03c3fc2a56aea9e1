/**
 * `paraloom codec decode|encode`: bincode hex <-> canonical JSON for any wire
 * type, one payload per argument or per stdin line (interfaces.md).
 */
import { once } from 'node:events'
import { StringDecoder } from 'node:string_decoder'
import { type CliIo, ExitCode, UsageError } from '@paraloom/cli-kit'
import {
  CodecError,
  fromHex,
  InvalidValueError,
  toHex,
  type WireType,
  type WireTypeName,
  wireTypes,
} from '@paraloom/codec'
import { Command } from 'commander'

/** Largest `--max-bytes` accepted, in bytes; a decode line may then hold twice as many hex digits. */
const MAX_BYTES_LIMIT = 64 * 1024 * 1024
/** Longest JSON line `encode` reads from stdin, in characters; longer lines become error lines. */
const MAX_JSON_LINE_CHARS = 16 * 1024 * 1024
/** Whitespace allowed around a hex payload, in characters, on top of its digits. */
const HEX_LINE_SLACK_CHARS = 64

const typeNames = Object.keys(wireTypes) as WireTypeName[]

/** The result of one payload: a line to print, and whether it failed. */
interface Outcome {
  line: string
  failed: boolean
}

const ok = (line: string): Outcome => ({ line, failed: false })

function errorLine(code: string, offset: number, message: string, path?: string): Outcome {
  const error = path === undefined ? { code, offset, message } : { code, offset, path, message }
  return { line: JSON.stringify({ error }), failed: true }
}

/** An error from the codec as an error line; anything else is a bug and propagates. */
function codecErrorLine(err: unknown): Outcome {
  if (err instanceof CodecError) return errorLine(err.code, err.offset, err.message)
  // A value that does not fit the type has a path, not a byte offset.
  if (err instanceof InvalidValueError) return errorLine(err.code, 0, err.reason, err.path)
  throw err
}

function decodeOne(type: WireType<unknown>, maxBytes: number, text: string): Outcome {
  const hex = text.trim()
  const bad = /[^0-9a-fA-F]/.exec(hex)
  if (bad !== null) {
    return errorLine('InvalidHex', bad.index, `not a hex digit: ${JSON.stringify(bad[0])}`)
  }
  if (hex.length % 2 !== 0) {
    return errorLine('InvalidHex', hex.length, `odd number of hex digits (${hex.length})`)
  }
  try {
    return ok(JSON.stringify(type.toJson(type.decode(fromHex(hex), { maxBytes }))))
  } catch (err) {
    return codecErrorLine(err)
  }
}

function encodeOne(type: WireType<unknown>, text: string): Outcome {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // V8 names the position of a syntax error, or says the input ended early.
    const position = /position (\d+)/.exec(message)
    const offset =
      position !== null ? Number(position[1]) : /end of JSON/.test(message) ? text.length : 0
    return errorLine('InvalidJson', offset, message)
  }
  try {
    return ok(toHex(type.encode(type.fromJson(json))))
  } catch (err) {
    return codecErrorLine(err)
  }
}

/** Marks a line that was longer than the cap; its text was dropped as it arrived. */
const TOO_LONG = Symbol('line too long')

/**
 * The lines of `input` ('\n'-separated, a final line without '\n' included),
 * each at most `maxChars` long: a longer line is not buffered but yields
 * {@link TOO_LONG}, so one huge line cannot exhaust memory.
 */
async function* readLines(
  input: NodeJS.ReadableStream,
  maxChars: number,
): AsyncGenerator<string | typeof TOO_LONG> {
  const decoder = new StringDecoder('utf8')
  let parts: string[] = []
  let length = 0
  let tooLong = false
  const take = (piece: string): void => {
    if (tooLong) return
    length += piece.length
    if (length > maxChars) {
      tooLong = true
      parts = []
    } else {
      parts.push(piece)
    }
  }
  const finish = (): string | typeof TOO_LONG => {
    const line = tooLong ? TOO_LONG : parts.join('')
    parts = []
    length = 0
    tooLong = false
    return line
  }
  const chunks = async function* () {
    for await (const chunk of input) {
      yield typeof chunk === 'string' ? chunk : decoder.write(chunk)
    }
    yield decoder.end()
  }
  for await (const text of chunks()) {
    let start = 0
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      take(text.slice(start, nl))
      yield finish()
      start = nl + 1
    }
    take(text.slice(start))
  }
  if (tooLong || length > 0) yield finish()
}

async function writeLine(out: NodeJS.WritableStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain')
}

/**
 * Runs `one` on the argument, or on every stdin line when there is none,
 * printing one line per payload; exit code 1 if any failed.
 */
async function runPayloads(
  io: CliIo,
  setExitCode: (code: number) => void,
  argument: string | undefined,
  one: (text: string) => Outcome,
  lineCap: { maxChars: number; tooLong: () => Outcome },
): Promise<void> {
  let failed = false
  const emit = async (outcome: Outcome): Promise<void> => {
    failed ||= outcome.failed
    await writeLine(io.stdout, outcome.line)
  }
  if (argument !== undefined) {
    await emit(one(argument))
  } else {
    for await (const line of readLines(io.stdin, lineCap.maxChars)) {
      await emit(line === TOO_LONG ? lineCap.tooLong() : one(line))
    }
  }
  if (failed) setExitCode(ExitCode.failed)
}

function wireTypeOf(name: string): WireType<unknown> {
  if (!Object.hasOwn(wireTypes, name)) {
    throw new UsageError(`--type: unknown wire type "${name}"; use one of ${typeNames.join(', ')}`)
  }
  return wireTypes[name as WireTypeName]
}

function parseMaxBytes(value: string | undefined, type: WireType<unknown>): number {
  if (value === undefined) return type.maxBytes
  if (!/^\d+$/.test(value) || Number(value) > MAX_BYTES_LIMIT) {
    throw new UsageError(
      `--max-bytes: expected a whole number of bytes from 0 to ${MAX_BYTES_LIMIT}, got "${value}"`,
    )
  }
  return Number(value)
}

const ERROR_HELP = `
Output: one line per payload. A payload that fails prints
  {"error":{"code":"<Code>","offset":N,"message":"..."}}
instead and the rest still run; the exit code is then 1.`

/** The `paraloom codec` command and its `decode` and `encode` subcommands. */
export function codecCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  const codec = new Command('codec').description(
    'Decode bincode wire payloads to canonical JSON and encode them back.',
  )
  const typeHelp = `wire type: ${typeNames.join(', ')}`

  codec
    .command('decode')
    .description('Decode hex bincode payloads to canonical JSON, one per line.')
    .requiredOption('--type <WireType>', typeHelp)
    .option('--max-bytes <N>', "size cap in bytes (default: the type's cap, see docs/wire.md)")
    .argument('[hex]', 'one payload in hex; without it, one payload per stdin line')
    .addHelpText(
      'after',
      `${ERROR_HELP}
Kinds: TooLarge, Truncated, TrailingBytes, InvalidTag, InvalidUtf8 (offset in
bytes), InvalidHex (offset in characters).

Example:
  paraloom codec decode --type Vote 02000000...`,
    )
    .action(async (hex: string | undefined, options: { type: string; maxBytes?: string }) => {
      const type = wireTypeOf(options.type)
      const maxBytes = parseMaxBytes(options.maxBytes, type)
      await runPayloads(io, setExitCode, hex, (text) => decodeOne(type, maxBytes, text), {
        // A longer line holds more than maxBytes of hex: TooLarge either way.
        maxChars: 2 * maxBytes + HEX_LINE_SLACK_CHARS,
        tooLong: () =>
          errorLine('TooLarge', maxBytes, `line holds more than ${maxBytes} bytes of hex`),
      })
    })

  codec
    .command('encode')
    .description('Encode canonical-JSON values to hex bincode, one per line.')
    .requiredOption('--type <WireType>', typeHelp)
    .argument('[json]', 'one canonical-JSON value; without it, one value per stdin line')
    .addHelpText(
      'after',
      `${ERROR_HELP}
Kinds: InvalidJson (offset in characters), InvalidValue (with the JSON "path"
of the bad value), LineTooLong (a stdin line over ${MAX_JSON_LINE_CHARS} characters).

Example:
  paraloom codec encode --type StateSyncRequest '{"network":"Devnet","from_height":"1","max_blocks":8}'`,
    )
    .action(async (json: string | undefined, options: { type: string }) => {
      const type = wireTypeOf(options.type)
      await runPayloads(io, setExitCode, json, (text) => encodeOne(type, text), {
        maxChars: MAX_JSON_LINE_CHARS,
        tooLong: () =>
          errorLine(
            'LineTooLong',
            MAX_JSON_LINE_CHARS,
            `line longer than ${MAX_JSON_LINE_CHARS} characters`,
          ),
      })
    })

  return codec
}
