// Parent ↔ worker calls over Node's IPC channel (structured clone, so
// bigints and byte arrays cross as they are). The parent calls
// `worker.call(cmd, payload)` and gets the handler's result; a worker may
// also push `{ event, payload }` messages. Every call has a deadline, every
// worker is killed by pid on exit.
import { fork } from 'node:child_process'

const workers = new Set()
process.once('exit', () => {
  for (const w of workers) w.kill('SIGKILL')
})

/**
 * Forks `script` (a path, with node flags `execArgv`) and waits for its
 * "ready" message. `onEvent` receives the worker's pushed events.
 */
export async function startWorker(
  script,
  {
    name,
    onEvent = () => {},
    readyTimeoutMs = 30_000,
    execArgv = [],
    // BENCH_CPU_PROF_DIR=<dir>: every worker writes a V8 CPU profile there when it exits.
    profileDir = process.env.BENCH_CPU_PROF_DIR,
  },
) {
  const flags = profileDir ? [...execArgv, '--cpu-prof', `--cpu-prof-dir=${profileDir}`] : execArgv
  const child = fork(script, [], { serialization: 'advanced', stdio: 'inherit', execArgv: flags })
  workers.add(child)
  const pending = new Map()
  let nextId = 1
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      workers.delete(child)
      for (const { reject } of pending.values()) {
        reject(new Error(`worker ${name} exited (${signal ?? code}) during a call`))
      }
      pending.clear()
      resolve({ code, signal })
    })
  })
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker ${name} not ready after ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    )
    child.on('message', (msg) => {
      if (msg.ready === true) {
        clearTimeout(timer)
        resolve()
      } else if (msg.event !== undefined) {
        onEvent(msg.event, msg.payload)
      } else if (pending.has(msg.id)) {
        const call = pending.get(msg.id)
        pending.delete(msg.id)
        clearTimeout(call.timer)
        if (msg.ok) call.resolve(msg.result)
        else call.reject(new Error(`worker ${name}: ${msg.error}`))
      }
    })
    void exited.then(() => reject(new Error(`worker ${name} exited before it was ready`)))
  })
  await ready
  return {
    name,
    pid: child.pid,
    exited,
    call(cmd, payload, { timeoutMs = 60_000 } = {}) {
      return new Promise((resolve, reject) => {
        const id = nextId++
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`worker ${name}: ${cmd} took over ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, { resolve, reject, timer })
        child.send({ id, cmd, payload })
      })
    },
    kill(signal = 'SIGKILL') {
      child.kill(signal)
    },
    /** Asks the worker to stop its nodes and exit; kills it if it has not after `graceMs`. */
    async close(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      child.send({ id: 0, cmd: 'exit' })
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * The worker side: answers calls with `handlers[cmd](payload)`. The `exit`
 * command runs `onExit` (stop the nodes) and exits. Returns `push(event,
 * payload)` for events to the parent.
 */
export function serveParent(handlers, { onExit }) {
  process.on('message', async (msg) => {
    if (msg.cmd === 'exit') {
      try {
        await onExit()
      } finally {
        process.exit(0)
      }
    }
    const handler = handlers[msg.cmd]
    try {
      if (handler === undefined) throw new Error(`unknown command ${msg.cmd}`)
      const result = await handler(msg.payload)
      process.send({ id: msg.id, ok: true, result })
    } catch (err) {
      process.send({ id: msg.id, ok: false, error: err?.stack ?? String(err) })
    }
  })
  // The parent going away must not leave this worker (and its nodes) behind.
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: true })
  return (event, payload) => process.send({ event, payload })
}
