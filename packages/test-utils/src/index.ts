/**
 * @packageDocumentation
 * What the tests of every Paraloom package share, written once: bounded
 * waits that name what they wait for, loopback ports, and child processes
 * ended by pid. A private workspace package: tests and benchmarks import it
 * as a devDependency; nothing published does.
 *
 * ```ts
 * import { TestProcess, waitFor } from '@paraloom/test-utils'
 *
 * const node = TestProcess.node('fixture.mjs')
 * const ready = await node.waitForLine(/^listening on /)
 * await waitFor('a peer', () => peers.size > 0, 10_000)
 * await node.stop()
 * ```
 */
export { freePorts, type ProbePortOptions, probePort } from './ports.js'
export { childEnv, type ExitStatus, TestProcess, type TestProcessOptions } from './process.js'
export {
  ChangeSignal,
  eventually,
  type Probe,
  sleep,
  type WaitOptions,
  waitFor,
  within,
} from './wait.js'
