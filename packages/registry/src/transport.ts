/**
 * A Kit `RpcTransport` that bounds what the default one does not: a timeout
 * per request, a cap on the response body, and a check that the body is a
 * JSON-RPC 2.0 response before Kit's transformers look inside it.
 */
import type { RpcTransport } from '@solana/kit'
import { RegistryRpcError } from './errors.js'
import { stringifyWithBigInts } from './json.js'

export interface BoundedTransportOptions {
  url: string
  /** Abort a request that has not fully answered within this many ms. */
  requestTimeoutMs: number
  /** Reject a response body larger than this many bytes. */
  maxResponseBytes: number
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await response.body?.cancel()
    throw new RegistryRpcError('TooLarge', `response of ${declared} bytes exceeds ${maxBytes}`)
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel()
      throw new RegistryRpcError('TooLarge', `response exceeds ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total).toString('utf8')
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Checks the JSON-RPC envelope: `result`, or an `error` with a code and a message. */
export function assertJsonRpcEnvelope(json: unknown): void {
  if (!isRecord(json) || json.jsonrpc !== '2.0') {
    throw new RegistryRpcError('BadShape', 'response is not a JSON-RPC 2.0 object')
  }
  if ('error' in json) {
    const e = json.error
    if (!isRecord(e) || typeof e.code !== 'number' || typeof e.message !== 'string') {
      throw new RegistryRpcError('BadShape', 'JSON-RPC error without a numeric code and message')
    }
    throw new RegistryRpcError('JsonRpcError', `JSON-RPC error ${e.code}: ${e.message}`)
  }
  if (!('result' in json))
    throw new RegistryRpcError('BadShape', 'JSON-RPC response without result')
}

function transportFailure(err: unknown, signal: AbortSignal, options: BoundedTransportOptions) {
  if (err instanceof RegistryRpcError) return err
  if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
    return new RegistryRpcError(
      'Timeout',
      `no answer from ${options.url} within ${options.requestTimeoutMs} ms`,
    )
  }
  const cause = (err as { cause?: { code?: string } }).cause
  const detail = cause?.code ?? (err as Error).message
  return new RegistryRpcError('Unreachable', `cannot reach ${options.url}: ${detail}`, {
    cause: err,
  })
}

export function createBoundedTransport(options: BoundedTransportOptions): RpcTransport {
  const transport = async ({ payload, signal }: { payload: unknown; signal?: AbortSignal }) => {
    const timeout = AbortSignal.timeout(options.requestTimeoutMs)
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
    let text: string
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json; charset=utf-8' },
        body: stringifyWithBigInts(payload),
        signal: combined,
      })
      if (!response.ok) {
        await response.body?.cancel()
        throw new RegistryRpcError('HttpStatus', `HTTP ${response.status} from ${options.url}`)
      }
      text = await readCapped(response, options.maxResponseBytes)
    } catch (err) {
      if (signal?.aborted) throw err
      throw transportFailure(err, combined, options)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new RegistryRpcError('MalformedJson', `response from ${options.url} is not JSON`)
    }
    assertJsonRpcEnvelope(json)
    return json
  }
  return transport as RpcTransport
}
