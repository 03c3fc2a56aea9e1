/**
 * Just enough of the Prometheus text format to read one metric's samples:
 * `name{label="value",...} 12` lines. Other lines are skipped; a malformed
 * sample line is skipped too, never thrown on.
 */

export interface Sample {
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy

/** Every sample of `metric` in `text`. */
export function samplesOf(text: string, metric: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue
    const m = SAMPLE.exec(line.trim())
    if (m === null || m[1] !== metric) continue
    const labels = parseLabels(m[2] ?? '')
    const value = Number(m[3])
    if (labels === undefined || Number.isNaN(value)) continue
    out.push({ labels, value })
  }
  return out
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  let consumed = 0
  for (let m = LABEL.exec(text); m !== null; m = LABEL.exec(text)) {
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    consumed = LABEL.lastIndex
  }
  return consumed === text.length ? labels : undefined
}

export interface FetchTextOptions {
  /** @default 3000 */
  timeoutMs?: number
  /** Longest body read, in bytes. @default 4 MiB */
  maxBytes?: number
  signal?: AbortSignal
}

/** GETs `url` and returns its body as text; rejects on a non-200 answer, a timeout or an oversize body. */
export async function fetchText(url: string, options: FetchTextOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 3000)]
  if (options.signal !== undefined) signals.push(options.signal)
  const res = await fetch(url, { signal: AbortSignal.any(signals) })
  if (res.status !== 200 || res.body === null) {
    await res.body?.cancel()
    throw new Error(`GET ${url}: HTTP ${res.status}`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body) {
    size += chunk.length
    if (size > maxBytes) {
      await res.body.cancel().catch(() => {})
      throw new Error(`GET ${url}: body over ${maxBytes} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
