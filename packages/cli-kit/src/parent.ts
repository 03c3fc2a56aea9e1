/**
 * Ending with the parent. A supervisor (such as `paraloom-devnet up`) whose
 * children must exit whenever it dies (also by SIGKILL, when it cannot tell
 * them) spawns each with standard input a pipe it never writes to, and
 * {@link PARENT_PIPE_ENV} set to `1`. The child watches that pipe: end of
 * file means the parent's end was closed, which the kernel does when the
 * parent dies, however it dies. No pid polling, and a normal run (no
 * variable) is unaffected.
 */
export const PARENT_PIPE_ENV = 'PARALOOM_PARENT_PIPE'

/** Where {@link onParentExit} looks; the process's own by default (tests pass theirs). */
export interface ParentPipeIo {
  env: NodeJS.ProcessEnv
  stdin: NodeJS.ReadableStream & { destroy(): void }
  outputs: NodeJS.WritableStream[]
}

const processIo = (): ParentPipeIo => ({
  env: process.env,
  stdin: process.stdin,
  outputs: [process.stdout, process.stderr],
})

/**
 * Calls `onExit` once when the parent that set {@link PARENT_PIPE_ENV} is
 * gone: its pipe on standard input ends, or writing our output fails with
 * EPIPE (nobody reads it any more; such errors are then ignored so the stop
 * can finish). Does nothing without the variable. Returns a function that
 * stops watching.
 */
export function onParentExit(onExit: () => void, io: ParentPipeIo = processIo()): () => void {
  if (io.env[PARENT_PIPE_ENV] !== '1') return () => {}
  let gone = false
  const parentGone = (): void => {
    if (gone) return
    gone = true
    onExit()
  }
  const onOutputError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') throw err
    parentGone()
  }
  io.stdin.on('end', parentGone)
  io.stdin.on('error', parentGone)
  io.stdin.resume() // read (and drop) until end of file
  for (const out of io.outputs) out.on('error', onOutputError)
  return () => {
    io.stdin.off('end', parentGone)
    io.stdin.off('error', parentGone)
    io.stdin.destroy()
    // Output errors stay handled: the parent may be gone while the process winds down.
  }
}
