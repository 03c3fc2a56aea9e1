// Child processes of the benchmarks: spawn, read stdout line by line, bound
// the wait, and kill by pid (never by name) when the deadline passes or the
// parent exits.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

const running = new Set()
const killAll = () => {
  for (const child of running) child.kill('SIGKILL')
}
process.once('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll()
    process.exit(130)
  })
}

/**
 * Runs `command args`, calling `onLine` for every stdout line; stderr goes
 * to ours. Resolves with the exit code (null if killed); after `timeoutMs`
 * the child is killed with SIGKILL and `timedOut` is true.
 */
export function runChild(command, args, { onLine, cwd, timeoutMs, env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    running.add(child)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    createInterface({ input: child.stdout }).on('line', onLine)
    child.once('error', (err) => {
      clearTimeout(timer)
      running.delete(child)
      reject(err)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      running.delete(child)
      resolve({ code, timedOut })
    })
  })
}
