/**
 * @paraloom/interface: the contracts every Paraloom package shares, defined
 * once (as `@libp2p/interface` is for js-libp2p). Types and a few constants;
 * no runtime dependencies.
 */
export { isNetworkName, NETWORKS, type NetworkName } from './networks.js'
