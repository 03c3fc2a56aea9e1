/**
 * One socket write per connection per event-loop tick. Every gossipsub RPC
 * becomes a yamux frame, then a noise frame that the TCP connection writes
 * as two buffers (the 2-byte length, then the ciphertext), each its own
 * `write` syscall and, on loopback, its own trip through the TCP stack;
 * a relay forwarding one message to its mesh, with IDONTWANTs and IHAVEs
 * beside it, makes several per peer in the same tick. Corking the socket at
 * the first write of a tick and uncorking it on the next tick hands Node all
 * of them at once, as one `writev` (the pattern Node's docs give for
 * `socket.cork()`). Nothing is delayed past the current tick.
 */
import { Socket } from 'node:net'
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'

/** Corks `socket` at the first write of each tick and uncorks it on the next. */
export function corkPerTick(socket: Socket): void {
  const write = socket.write
  let corked = false
  const uncork = (): void => {
    corked = false
    socket.uncork()
  }
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true
      socket.cork()
      process.nextTick(uncork)
    }
    return write.apply(this, args)
  } as Socket['write']
}

/**
 * Wraps a connection encrypter (noise) so that the raw connections it
 * secures write once per tick. Only TCP connections carry a `socket`; any
 * other connection passes through untouched.
 */
export function coalescedWrites<E extends ConnectionEncrypter>(encrypter: E): E {
  const cork = (connection: MessageStream): MessageStream => {
    const socket = (connection as { socket?: unknown }).socket
    if (socket instanceof Socket) corkPerTick(socket)
    return connection
  }
  return Object.assign(Object.create(encrypter) as E, {
    secureInbound: (connection: MessageStream, options?: object) =>
      encrypter.secureInbound(cork(connection), options),
    secureOutbound: (connection: MessageStream, options?: object) =>
      encrypter.secureOutbound(cork(connection), options),
  })
}
