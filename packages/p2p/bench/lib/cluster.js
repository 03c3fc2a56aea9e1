// Many benchmark workers at once: forked a few at a time (each loads libp2p,
// which takes a core for a moment), closed together.
import { startWorker } from './ipc.js'

/**
 * Starts one worker of `script` per name, `parallel` forks at a time; with
 * `profileDir`, each writes its V8 CPU profile there when it exits; the
 * other options (`execArgv`, `readyTimeoutMs`) go to each `startWorker`.
 */
export async function startWorkers(
  script,
  names,
  { parallel = 4, onEvent, profileDir, ...options } = {},
) {
  const workers = []
  try {
    for (let i = 0; i < names.length; i += parallel) {
      const batch = names.slice(i, i + parallel)
      workers.push(
        ...(await Promise.all(
          batch.map((name) =>
            startWorker(script, {
              ...options,
              name,
              profileDir,
              onEvent: (e, p) => onEvent?.(name, e, p),
            }),
          ),
        )),
      )
    }
    return workers
  } catch (err) {
    await closeWorkers(workers)
    throw err
  }
}

/** Stops every worker's nodes and waits for the processes to exit. */
export async function closeWorkers(workers) {
  await Promise.all(workers.map((w) => w.close()))
}

/** `worker.call(cmd, payloadOf(worker, i))` on every worker at once. */
export function callAll(workers, cmd, payloadOf = () => undefined, options) {
  return Promise.all(workers.map((w, i) => w.call(cmd, payloadOf(w, i), options)))
}
