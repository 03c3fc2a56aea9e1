// libp2p 3.x calls Promise.withResolvers, which Node gains only in 22.
// Jest runs each test file in its own realm, so the runtime polyfill that
// @paraloom/p2p installs must be repeated here for that realm.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve
    let reject
    const promise = new this((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}
