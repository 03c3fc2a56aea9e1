/**
 * @packageDocumentation
 *
 * `@paraloom/registry` reads the Paraloom ValidatorRegistry from Solana and
 * turns it into the seed peers and admission set of a Paraloom node: the
 * account layouts (Anchor discriminator + bounded Borsh), PDA derivation,
 * the validation rules, a `RegistryClient` over `@solana/kit` that keeps a
 * live, cached view, and genesis files for a local chain. A local JSON-RPC
 * stand-in for `solana-test-validator` (tests, local devnets) is the
 * separate subpath `@paraloom/registry/stand-in`.
 *
 * @example
 *
 * ```ts
 * import { mkdtemp } from 'node:fs/promises'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { address, buildGenesisAccounts, RegistryClient } from '@paraloom/registry'
 * import { LocalRpcStandIn } from '@paraloom/registry/stand-in'
 *
 * const programId = address('Para1oomRegistry111111111111111111111111111')
 * const identity = new Uint8Array(32).fill(7) // a validator's ed25519 public key
 * const accounts = await buildGenesisAccounts({
 *   programId,
 *   network: 'localnet',
 *   validators: [{ identity, network: 'localnet', multiaddrs: ['/ip4/127.0.0.1/tcp/9001'], stake: 1n }],
 * })
 * const standIn = new LocalRpcStandIn({ accounts, programId, port: 0 })
 * await standIn.start()
 *
 * const client = new RegistryClient({
 *   rpcUrl: standIn.rpcUrl,
 *   wsUrl: standIn.wsUrl,
 *   programId,
 *   network: 'localnet',
 *   stateDir: await mkdtemp(join(tmpdir(), 'registry-')),
 * })
 * client.onChange((change) => console.log('added', change.added.map((p) => p.peerId)))
 * await client.start()
 * console.log(client.seeds()[0]?.multiaddrs, client.isActiveValidator(identity)) // [.../p2p/12D3Koo...] true
 * await client.stop()
 * await standIn.stop()
 * ```
 */

export { type Address, address, isAddress } from '@solana/kit'
export { AdmissionSet } from './admission.js'
export { CACHE_FILE_NAME } from './cache.js'
export {
  defaultWsUrl,
  RegistryClient,
  type RegistryClientInit,
  type RegistryCounter,
  type RegistryMetrics,
  type RegistryStatus,
  type SubscriptionState,
} from './client.js'
export {
  AccountDecodeError,
  type AccountDecodeErrorCode,
  RegistryRpcError,
  type RegistryRpcErrorCode,
} from './errors.js'
export {
  buildGenesisAccounts,
  type GenesisDirLimits,
  GenesisFileError,
  type GenesisFileErrorCode,
  genesisFileText,
  parseGenesisFile,
  RENT_EXEMPT_EPOCH,
  type RegistrySpec,
  readGenesisDirectory,
  rentExemptLamports,
  type SolanaAccount,
  type ValidatorSpec,
  validatorSolanaAccount,
  writeGenesisFiles,
} from './genesis.js'
export {
  anchorDiscriminator,
  decodeValidatorAccount,
  decodeValidatorRegistry,
  encodeValidatorAccount,
  encodeValidatorRegistry,
  REGISTRY_ACCOUNT_SIZE,
  REGISTRY_DISCRIMINATOR,
  VALIDATOR_ACCOUNT_MAX_SIZE,
  VALIDATOR_DISCRIMINATOR,
  VALIDATOR_LIMITS,
  VALIDATOR_NETWORK_OFFSET,
  type ValidatorAccount,
  type ValidatorRegistry,
} from './layout.js'
export { findRegistryPda, findValidatorPda, type Pda } from './pda.js'
export { type RegistryReadResult, readRegistryOnce } from './read-once.js'
export {
  type AccountCheck,
  checkValidatorAccount,
  peerIdOfKey,
  type RawAccount,
  selectSeedPeers,
} from './seeds.js'
export {
  DEFAULT_SNAPSHOT_LIMITS,
  type RegistryTarget,
  type SnapshotLimits,
} from './snapshot.js'
export type { RegistryWarning } from './warnings.js'
