/**
 * JSON-RPC 2.0 envelopes in the exact shapes Agave's RPC writes.
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
