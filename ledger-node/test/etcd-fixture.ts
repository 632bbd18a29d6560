/**
 * Test fixture: a real local etcd cluster (Debian etcd-server) under a temp directory,
 * stopped and removed by the test's teardown, also when the test fails. Without an etcd
 * binary the test is skipped, except under CI=true, where that is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { findEtcdBinary, startLocalEtcdCluster, type LocalEtcdCluster, type LocalEtcdOptions } from '../src/cluster/etcd-members.js';

export async function withEtcd(t: Test, size: number, options: Partial<LocalEtcdOptions> = {}): Promise<LocalEtcdCluster | undefined> {
  if (findEtcdBinary() === undefined) {
    if (process.env['CI'] === 'true') {
      t.fail('etcd is not installed: apt-get install etcd-server etcd-client (listed in .ci/run APT_PACKAGES)');
    } else {
      t.skip('etcd is not installed (apt-get install etcd-server etcd-client)', () => undefined);
    }
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wl-etcd-'));
  let cluster: LocalEtcdCluster;
  try {
    cluster = await startLocalEtcdCluster({ size, dir, ...options });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  t.teardown(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return cluster;
}

let prefixes = 0;
/** A key prefix no other test of this process uses. */
export function uniquePrefix(name: string): string {
  prefixes++;
  return `test/${name}-${process.pid}-${prefixes}/`;
}
