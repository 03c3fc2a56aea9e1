/**
 * The stand-in's HTTP side: POST bodies up to a cap, answered as JSON-RPC
 * (a call or a batch), or with the fault a test switched on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { faultyAnswer, type HttpFault } from './faults.js'
import { answerJsonRpc, type JsonRpcCall } from './json-rpc.js'

export interface HttpHandlerInit {
  /** Largest request body accepted, in bytes; a larger one gets 413. */
  maxRequestBytes: number
  /** The fault switched on now, read when the request has arrived. */
  fault(): HttpFault
  call: JsonRpcCall
}

/** The `request` listener of the stand-in's HTTP server. */
export function httpHandler(
  init: HttpHandlerInit,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > init.maxRequestBytes) {
        res.writeHead(413).end()
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > init.maxRequestBytes) return
      void answer(init, Buffer.concat(chunks).toString('utf8'), res)
    })
  }
}

async function answer(init: HttpHandlerInit, body: string, res: ServerResponse): Promise<void> {
  const fault = faultyAnswer(init.fault())
  if (fault?.kind === 'stall') return // never answers; stop() closes the socket
  if (fault !== undefined) {
    res.writeHead(fault.status, { 'content-type': fault.contentType }).end(fault.body)
    return
  }
  const text = await answerJsonRpc(body, init.call)
  if (text === undefined) res.writeHead(204).end()
  else res.writeHead(200, { 'content-type': 'application/json' }).end(text)
}
