// The ops kit in deploy/, tested for real: promtool checks the Prometheus
// config and alert rules and runs their unit tests; a real Prometheus
// scrapes a real cluster, a validator is killed, and the alerts fire. The
// Grafana dashboard queries only metrics that exist.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { eventually, TestProcess } from '@paraloom/test-utils'
import { parse, stringify } from 'yaml'
import { Cluster } from './helpers/cluster.js'

jest.setTimeout(300_000)

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url))
const PROMETHEUS_DIR = join(DEPLOY, 'prometheus')

/** Runs promtool; fails with its output and a hint when Debian's prometheus package is missing. */
function promtool(args: string[]): { code: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', timeout: 60_000 })
  if (r.error)
    throw new Error(
      `promtool: ${r.error.message} (install Debian's prometheus package: scripts/ci-apt-packages)`,
    )
  return { code: r.status, output: `${r.stdout}${r.stderr}` }
}

describe('deploy/prometheus with promtool', () => {
  it.each([
    [['check', 'rules', 'alerts.yml'], /SUCCESS: 5 rules found/],
    [['check', 'config', 'prometheus.yml'], /SUCCESS: prometheus.yml is valid/],
    [['test', 'rules', 'alerts.test.yml'], /SUCCESS/],
  ])('promtool %j passes', (args, expected) => {
    const r = promtool(args)
    expect(r.output).toMatch(expected)
    expect(r.code).toBe(0)
  })

  it('promtool test rules fails when a rule is broken (the tests test something)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alerts-broken-'))
    try {
      const rules = await readFile(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')
      await writeFile(
        join(dir, 'alerts.yml'),
        rules.replace('up{job="paraloom-validator"} == 0', 'up{job="paraloom-validator"} == 2'),
      )
      await writeFile(
        join(dir, 'alerts.test.yml'),
        await readFile(join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8'),
      )
      const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], {
        cwd: dir,
        encoding: 'utf8',
      })
      expect(r.status).toBe(1)
      expect(`${r.stdout}${r.stderr}`).toContain('ParaloomValidatorDown')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('deploy/grafana', () => {
  it('every metric the dashboard queries is documented or exported by peer-monitor', async () => {
    const dashboard = JSON.parse(
      await readFile(join(DEPLOY, 'grafana', 'paraloom-validators.json'), 'utf8'),
    )
    const readme = await readFile(
      fileURLToPath(new URL('../../../README.md', import.meta.url)),
      'utf8',
    )
    const monitorMetrics = await readFile(
      fileURLToPath(new URL('../../peer-monitor/src/metrics.ts', import.meta.url)),
      'utf8',
    )
    const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) =>
      p.targets.map((t) => t.expr),
    )
    expect(exprs.length).toBeGreaterThan(10)
    const names = new Set(
      exprs.flatMap((e) => e.match(/\b(paraloom|peer_monitor|process)_[a-z_]+/g) ?? []),
    )
    for (const name of names) {
      const base = name.replace(/_(bucket|sum|count)$/, '')
      const known =
        readme.includes(`\`${base}`) ||
        monitorMetrics.includes(`'${base}'`) ||
        base.startsWith('process_')
      expect({ name, known }).toEqual({ name, known: true })
    }
    expect(new Set(dashboard.panels.map((p: { id: number }) => p.id)).size).toBe(
      dashboard.panels.length,
    )
  })
})

describe('a real Prometheus against a real cluster', () => {
  let cluster: Cluster | undefined
  let prometheus: TestProcess | undefined
  let dir: string | undefined
  afterAll(async () => {
    prometheus?.signal('SIGKILL')
    await cluster?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('fires ParaloomValidatorDown for a killed validator and ParaloomPeerOffline on the others', async () => {
    cluster = await Cluster.start({ size: 3 })
    dir = await mkdtemp(join(tmpdir(), 'prometheus-'))
    // deploy/'s rules with every `for` shortened, and a 1 s scrape of this cluster.
    const rules = parse(await readFile(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8'))
    for (const group of rules.groups)
      for (const rule of group.rules) if (rule.for !== undefined) rule.for = '3s'
    await writeFile(join(dir, 'alerts.yml'), stringify(rules))
    const config = parse(await readFile(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8'))
    config.global = { scrape_interval: '1s', evaluation_interval: '1s' }
    config.scrape_configs = [
      {
        job_name: 'paraloom-validator',
        static_configs: [
          { targets: cluster.validators.map((v) => `127.0.0.1:${v.ports.metrics}`) },
        ],
      },
    ]
    await writeFile(join(dir, 'prometheus.yml'), stringify(config))

    const child = TestProcess.start('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:0',
    ])
    prometheus = child
    // Prometheus logs to stderr.
    const port = await child.until(
      'prometheus to listen',
      () => {
        if (!child.running) throw new Error(`prometheus exited: ${child.stderr}`)
        const line = child.stderr.split('\n').find((l) => l.includes('msg="Listening on"'))
        return line === undefined ? undefined : Number(/address=\S+:(\d+)/.exec(line)?.[1])
      },
      60_000,
    )
    const api = async (path: string): Promise<{ data: Record<string, unknown> }> => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        signal: AbortSignal.timeout(5000),
      })
      return (await res.json()) as { data: Record<string, unknown> }
    }
    type Alert = { labels: Record<string, string>; state: string }
    const firing = async (): Promise<Alert[]> =>
      ((await api('/api/v1/alerts')).data.alerts as Alert[]).filter((a) => a.state === 'firing')

    // Every validator scraped and up, and no alert firing while all is well.
    await eventually(
      'all 3 validators up in prometheus',
      async () => {
        const result = (await api('/api/v1/query?query=up')).data.result as {
          value: [number, string]
        }[]
        return result.length === 3 && result.every((r) => r.value[1] === '1') ? true : undefined
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    )
    expect(await firing()).toEqual([])

    const [v0, v1, v2] = cluster.validators
    v2!.kill('SIGKILL')
    const alerts = await eventually(
      'the alerts to fire',
      async () => {
        const now = await firing()
        const down = now.some(
          (a) =>
            a.labels.alertname === 'ParaloomValidatorDown' &&
            a.labels.instance === `127.0.0.1:${v2!.ports.metrics}`,
        )
        const offline = new Set(
          now
            .filter((a) => a.labels.alertname === 'ParaloomPeerOffline')
            .map((a) => a.labels.instance),
        )
        return down &&
          offline.has(`127.0.0.1:${v0!.ports.metrics}`) &&
          offline.has(`127.0.0.1:${v1!.ports.metrics}`)
          ? now
          : undefined
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    )
    console.info(
      `firing: ${alerts.map((a) => `${a.labels.alertname}@${a.labels.instance}`).join(', ')}`,
    )
    process.kill(child.pid!, 'SIGTERM')
  })
})
