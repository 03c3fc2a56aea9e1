// One cluster per test file: started (and meshed) before the file's tests,
// stopped after them with every client and stream it handed out.
import { afterAll, beforeAll } from '@jest/globals'
import { Cluster, type ClusterInit } from './cluster.js'
import { clientsOf, type NodeClients, type StreamReader, waitForFullMesh } from './grpc.js'

export interface ClusterSuite {
  /** The running cluster (inside tests and hooks registered after `useCluster`). */
  readonly cluster: Cluster
  /** gRPC clients of each validator, by index. */
  readonly clients: NodeClients[]
  /** More clients of the validator at `grpcAddress`, closed at teardown. */
  connect(grpcAddress: string): NodeClients
  /** Registers a stream to cancel at teardown; returns it. */
  track<T>(reader: StreamReader<T>): StreamReader<T>
}

/**
 * Registers beforeAll/afterAll hooks that start a cluster, wait until every
 * validator sees every other CONNECTED, and tear it all down.
 */
export function useCluster(init: ClusterInit): ClusterSuite {
  let cluster: Cluster | undefined
  const clients: NodeClients[] = []
  const extraClients: NodeClients[] = []
  const readers: StreamReader<unknown>[] = []

  beforeAll(async () => {
    cluster = await Cluster.start(init)
    clients.push(...cluster.validators.map((v) => clientsOf(v.grpcAddress)))
    await waitForFullMesh(cluster.validators.filter((v) => v.running))
  }, 120_000)

  afterAll(async () => {
    for (const r of readers) r.cancel()
    for (const c of [...clients, ...extraClients]) c.close()
    await cluster?.stop()
  }, 60_000)

  return {
    get cluster() {
      if (cluster === undefined) throw new Error('the cluster is not started (yet)')
      return cluster
    },
    clients,
    connect(grpcAddress) {
      const c = clientsOf(grpcAddress)
      extraClients.push(c)
      return c
    },
    track(reader) {
      readers.push(reader as StreamReader<unknown>)
      return reader
    },
  }
}
