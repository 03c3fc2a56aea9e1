// The registry's own benchmark (packages/registry/bench/decode-accounts.js:
// 10,000 ValidatorAccount blobs with @paraloom/registry's bounded decoder and
// with @coral-xyz/borsh, in one process), its lines restated as result lines.
// Usage: node bench/suites/registry.mjs [--quick]   (the bench has no quick mode)
import { fileURLToPath } from 'node:url'
import { runChild } from '../lib/child.mjs'
import { emitter } from '../lib/emit.mjs'

const emit = emitter('registry')
const registryDir = fileURLToPath(new URL('../../packages/registry/', import.meta.url))

const { code } = await runChild(process.execPath, ['bench/decode-accounts.js'], {
  cwd: registryDir,
  timeoutMs: 5 * 60_000,
  onLine: (text) => {
    if (!text.startsWith('{')) return
    const r = JSON.parse(text)
    emit({
      name: `decode ${r.accounts.toLocaleString('en-US')} ValidatorAccounts`,
      metric: r.decoder,
      value: r.medianMs,
      unit: 'ms',
      detail: `${r.accountsPerSec.toLocaleString('en-US')} accounts/s; fastest round ${r.minMs} ms of ${r.rounds}`,
    })
  },
})
process.exit(code ?? 1)
