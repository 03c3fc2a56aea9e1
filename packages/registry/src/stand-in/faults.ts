/**
 * Fault injection for tests: the failures the stand-in's HTTP side and
 * account index can be switched to. (Dropping and refusing websocket clients
 * is the websocket hub's, websocket.ts.)
 */
import { errorEnvelope, JsonRpcFault } from './json-rpc.js'

/** Failure modes a test can switch on for the HTTP side. */
export type HttpFault = 'none' | 'stall' | 'status-500' | 'malformed-json' | 'json-rpc-error'

/** The faults switched on now; all off at first. */
export interface Faults {
  http: HttpFault
  /**
   * `getProgramAccounts` answers a well-formed empty list (as an RPC node
   * that lost its account index would) while `getAccountInfo` still serves
   * every account.
   */
  programAccountsHidden: boolean
}

/** What a faulty HTTP side answers instead of the call. */
export type FaultyAnswer =
  | { kind: 'stall' }
  | { kind: 'reply'; status: number; contentType: string; body: string }

/** The answer `fault` replaces every HTTP call with, or undefined for `none`. */
export function faultyAnswer(fault: HttpFault): FaultyAnswer | undefined {
  const json = (body: string): FaultyAnswer => ({
    kind: 'reply',
    status: 200,
    contentType: 'application/json',
    body,
  })
  switch (fault) {
    case 'none':
      return undefined
    case 'stall':
      return { kind: 'stall' }
    case 'status-500':
      return {
        kind: 'reply',
        status: 500,
        contentType: 'text/plain',
        body: 'Internal Server Error',
      }
    case 'malformed-json':
      return json('{"jsonrpc":"2.0","result":{"context":')
    case 'json-rpc-error':
      return json(errorEnvelope(null, new JsonRpcFault(-32005, 'Node is unhealthy')))
  }
}
