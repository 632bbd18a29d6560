import t from 'tap';
import { Etcd3 } from 'etcd3';
import { createEtcdOrdering } from '../src/ordering/etcd/etcd-ordering.js';
import { prefixRangeEnd } from '../src/ordering/etcd/etcd-keys.js';
import { orderingContract } from './ordering-contract.js';
import { uniquePrefix, withEtcd } from './etcd-fixture.js';

const cluster = await withEtcd(t, 1);
if (cluster) {
  const admin = new Etcd3({ hosts: [...cluster.endpoints] });
  t.teardown(() => admin.close());

  await orderingContract(t, 'etcd (1 member)', async () => {
    const prefix = uniquePrefix('contract');
    return {
      open: async () => createEtcdOrdering({ endpoints: cluster.endpoints, prefix }),
      cleanup: async () => {
        await admin.kv.deleteRange({ key: Buffer.from(prefix), range_end: prefixRangeEnd(prefix) });
      },
    };
  });
}
