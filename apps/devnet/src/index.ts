/**
 * @packageDocumentation
 *
 * `@paraloom/devnet`: a local Paraloom network on one machine. Its CLI is
 * `paraloom-devnet` (`up` runs the registry stand-in, the validators and
 * the peer-monitor as processes; `init` only writes their files). The
 * `paraloom` CLI runs it as `paraloom devnet …` through {@link runCli}.
 */
export { buildCli, runCli } from './cli.js'
