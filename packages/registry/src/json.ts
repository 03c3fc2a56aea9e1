/**
 * JSON with exact u64 integers. `JSON.stringify` cannot write a bigint, and
 * a u64 such as `rentEpoch` = 2^64-1 does not survive a JS number.
 */

// Base58 and base64 never contain '~', so this marker cannot collide with data.
const MARK = '~u64~'
const MARKED = new RegExp(`"${MARK}(-?\\d+)"`, 'g')

/** Like `JSON.stringify`, but bigints are written as bare JSON integers. */
export function stringifyWithBigInts(value: unknown, space?: number): string {
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'bigint' ? `${MARK}${v}` : v),
    space,
  )
  return text.replace(MARKED, '$1')
}

/**
 * Parses JSON, turning the values of the named integer keys into bigints
 * (exact even above 2^53) by quoting them before `JSON.parse` sees them.
 */
export function parseWithBigInts(text: string, keys: readonly string[]): unknown {
  const pattern = new RegExp(`"(${keys.join('|')})"(\\s*):(\\s*)(-?\\d+)(?=\\s*[,}\\]])`, 'g')
  const quoted = text.replace(pattern, `"$1"$2:$3"${MARK}$4"`)
  return JSON.parse(quoted, (_key, v: unknown) =>
    typeof v === 'string' && v.startsWith(MARK) ? BigInt(v.slice(MARK.length)) : v,
  )
}
