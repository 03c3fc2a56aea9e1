/**
 * @paraloom/interface: the contracts every Paraloom package shares, defined
 * once (as `@libp2p/interface` is for js-libp2p). Types, a few constants, the
 * error base and two small runtime helpers (backoff, sleep); no runtime
 * dependencies.
 */
export { type BackoffOptions, backoffDelayMs } from './backoff.js'
export type { DirectoryChange, SeedPeer, ValidatorDirectory } from './directory.js'
export {
  ConfigError,
  type ConfigErrorCode,
  type ConfigErrorType,
  type ErrorMetadata,
  type ErrorObject,
  type ErrorType,
  ParaloomError,
} from './errors.js'
export {
  componentName,
  LOG_LEVELS,
  type LogFields,
  type Logger,
  type LogLevel,
  noopLogger,
} from './logger.js'
export { isNetworkName, NETWORKS, type NetworkName } from './networks.js'
export { isPeerState, PEER_STATES, PeerState } from './peer-state.js'
export { sleep } from './sleep.js'
