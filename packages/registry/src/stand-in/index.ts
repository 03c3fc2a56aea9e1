/**
 * @packageDocumentation
 *
 * `@paraloom/registry/stand-in`: a local JSON-RPC stand-in for
 * `solana-test-validator`, for tests, CI and local devnets. It is a
 * subpath of its own so that the production entry point, `@paraloom/registry`,
 * carries no test server and does not load `ws`.
 *
 * @example
 *
 * ```ts
 * import { address, buildGenesisAccounts } from '@paraloom/registry'
 * import { LocalRpcStandIn } from '@paraloom/registry/stand-in'
 *
 * const programId = address('Para1oomRegistry111111111111111111111111111')
 * const accounts = await buildGenesisAccounts({ programId, network: 'localnet', validators: [] })
 * const standIn = new LocalRpcStandIn({ accounts, programId, port: 0 })
 * await standIn.start()
 * console.log(standIn.rpcUrl, standIn.wsUrl)
 * await standIn.stop()
 * ```
 */

export type { HttpFault } from './faults.js'
export { STAND_IN_SOLANA_VERSION } from './methods.js'
export { LocalRpcStandIn, type StandInInit } from './server.js'
