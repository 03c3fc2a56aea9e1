import { ParaloomError } from '@paraloom/interface'

/** Which part of the node failed to start. */
export type StartPhase = 'p2p' | 'grpc' | 'metrics'

/**
 * A node that could not start, with the part that failed and the reason in
 * one line (listen errors from libp2p, gRPC and HTTP span several lines and
 * bury the errno; this keeps what an operator needs).
 */
export class NodeStartError extends ParaloomError<{
  code: 'StartFailed'
  phase: StartPhase
  listen: string
}> {
  static override readonly name = 'NodeStartError'
  constructor(
    readonly phase: StartPhase,
    readonly listen: string,
    cause: unknown,
  ) {
    super(
      { code: 'StartFailed', phase, listen },
      `cannot start ${phase} on ${listen}: ${reasonOf(cause)}`,
      {
        cause,
      },
    )
  }
}

/** The errno (EADDRINUSE, EACCES, …) when there is one, else the first line of the message. */
function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const errno = /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES|EINVAL|ENOTFOUND)\b/.exec(message)?.[1]
  if (errno === 'EADDRINUSE') return 'address already in use (EADDRINUSE)'
  if (errno === 'EADDRNOTAVAIL') return 'address not available on this host (EADDRNOTAVAIL)'
  if (errno === 'EACCES') return 'permission denied (EACCES)'
  if (errno !== undefined) return errno
  if (/No address added/.test(message)) return 'address already in use or not available'
  return message.split('\n')[0] ?? message
}

/** Runs `step`, turning its failure into a {@link NodeStartError}. */
export async function startStep<T>(
  phase: StartPhase,
  listen: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step()
  } catch (err) {
    throw new NodeStartError(phase, listen, err)
  }
}
