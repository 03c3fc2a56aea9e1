/**
 * JSON-RPC 2.0 in the exact shapes Agave's RPC writes: envelopes, request
 * validation, and answering a call or a batch.
 */
import { stringifyWithBigInts } from '../json.js'

export type JsonRpcId = string | number | null

/** A JSON-RPC error to send back; `code` is one of Agave's. */
export class JsonRpcFault extends Error {
  static override readonly name = 'JsonRpcFault'
  override readonly name = 'JsonRpcFault'

  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }

  static parseError(): JsonRpcFault {
    return new JsonRpcFault(-32700, 'Parse error')
  }

  static invalidRequest(): JsonRpcFault {
    return new JsonRpcFault(-32600, 'Invalid request')
  }

  static methodNotFound(): JsonRpcFault {
    return new JsonRpcFault(-32601, 'Method not found')
  }

  static invalidParams(detail: string): JsonRpcFault {
    return new JsonRpcFault(-32602, `Invalid params: ${detail}.`)
  }
}

export interface JsonRpcRequest {
  id: JsonRpcId
  method: string
  params: unknown[]
  /** False for a notification (no `id` member): it gets no response. */
  expectsResponse: boolean
}

/** Validates one request object of a (possibly batched) call. */
export function parseRequest(value: unknown): JsonRpcRequest | JsonRpcFault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return JsonRpcFault.invalidRequest()
  }
  const r = value as Record<string, unknown>
  const id = r.id
  const idOk = id === undefined || id === null || typeof id === 'string' || typeof id === 'number'
  if (r.jsonrpc !== '2.0' || typeof r.method !== 'string' || !idOk)
    return JsonRpcFault.invalidRequest()
  const params = r.params ?? []
  if (!Array.isArray(params)) return JsonRpcFault.invalidParams('params must be an array')
  return {
    id: (id ?? null) as JsonRpcId,
    method: r.method,
    params,
    expectsResponse: id !== undefined,
  }
}

export function resultEnvelope(id: JsonRpcId, result: unknown): string {
  return stringifyWithBigInts({ jsonrpc: '2.0', result, id })
}

export function errorEnvelope(id: JsonRpcId, fault: JsonRpcFault): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code: fault.code, message: fault.message }, id })
}

export function notificationEnvelope(
  method: string,
  result: unknown,
  subscription: number,
): string {
  return stringifyWithBigInts({ jsonrpc: '2.0', method, params: { result, subscription } })
}

/** Runs one parsed request; rejects with a JsonRpcFault (or any error, sent as an internal error). */
export type JsonRpcCall = (req: JsonRpcRequest) => Promise<unknown>

/**
 * Parses one call or a batch from `body` and answers it with `call`:
 * the response text, or undefined when nothing is owed (notifications only).
 */
export async function answerJsonRpc(body: string, call: JsonRpcCall): Promise<string | undefined> {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return errorEnvelope(null, JsonRpcFault.parseError())
  }
  if (!Array.isArray(parsed)) return answerOne(parsed, call)
  if (parsed.length === 0) return errorEnvelope(null, JsonRpcFault.invalidRequest())
  const answers: string[] = []
  for (const item of parsed) {
    const answer = await answerOne(item, call)
    if (answer !== undefined) answers.push(answer)
  }
  return answers.length === 0 ? undefined : `[${answers.join(',')}]`
}

async function answerOne(value: unknown, call: JsonRpcCall): Promise<string | undefined> {
  const req = parseRequest(value)
  if (req instanceof JsonRpcFault) return errorEnvelope(null, req)
  try {
    const result = await call(req)
    return req.expectsResponse ? resultEnvelope(req.id, result) : undefined
  } catch (err) {
    if (!req.expectsResponse) return undefined
    const fault =
      err instanceof JsonRpcFault
        ? err
        : new JsonRpcFault(-32603, `Internal error: ${(err as Error).message}`)
    return errorEnvelope(req.id, fault)
  }
}
