/** The meter ACL of the embedded broker (DESIGN §4: a meter may publish only under its own id). */
import t from 'tap';
import { authorizeMeterPublish, authorizeMeterSubscribe } from '../src/ingress/acl.js';

const A = '0123456789abcdef';
const B = 'fedcba9876543210';

t.test('publish: own readings and status only', async (t) => {
  t.ok(authorizeMeterPublish(A, `wl/v1/meters/${A}/readings`).ok);
  t.ok(authorizeMeterPublish(A, `wl/v1/meters/${A}/status`).ok);
  for (const topic of [`wl/v1/meters/${B}/readings`, `wl/v1/meters/${A}/ack`, `wl/v1/meters/${A}/config`, `wl/v1/meters/${A}/readings/x`, 'wl/v1/meters/+/readings', `wl/v2/meters/${A}/readings`, '$SYS/x', '', `wl/v1/meters/${A.toUpperCase()}/readings`]) {
    const verdict = authorizeMeterPublish(A, topic);
    t.notOk(verdict.ok, `refused: ${topic}`);
    if (!verdict.ok) t.ok(verdict.why.length > 0, 'with a reason');
  }
});

t.test('subscribe: own ack and config only, no wildcards', async (t) => {
  t.ok(authorizeMeterSubscribe(A, `wl/v1/meters/${A}/ack`).ok);
  t.ok(authorizeMeterSubscribe(A, `wl/v1/meters/${A}/config`).ok);
  for (const filter of [`wl/v1/meters/${B}/ack`, `wl/v1/meters/${A}/readings`, 'wl/v1/meters/+/ack', 'wl/#', '#', `wl/v1/meters/${A}/+`, `$share/g/wl/v1/meters/${A}/ack`]) {
    t.notOk(authorizeMeterSubscribe(A, filter).ok, `refused: ${filter}`);
  }
});
