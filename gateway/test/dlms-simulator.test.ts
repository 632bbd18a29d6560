import t from 'tap';
import fc from 'fast-check';
import { fromHex } from '@wattledger/protocol';
import { ApduTag, encodeAarq, encodeInitiateRequest, DEFAULT_CLIENT_CONFORMANCE, decodeAare } from '@wattledger/protocol/dlms';
import { MeterModel } from '../src/dlms/simulator/meter-model.js';
import { ServerSession } from '../src/dlms/simulator/server-session.js';

const KEYS = { encryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'), authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf') };

t.test('the simulated meter answers garbage APDUs with standard refusals, never by throwing', async (t) => {
  const meter = new MeterModel({ now: () => 1719835200, keys: KEYS });
  const aarq = encodeAarq({ applicationContext: 1, userInformation: encodeInitiateRequest({ conformance: DEFAULT_CLIENT_CONFORMANCE, maxReceivePduSize: 512 }) });
  fc.assert(fc.property(fc.boolean(), fc.constantFrom(0x60, 0x62, 0xc0, 0xc1, 0xc3, 0xc8, 0xcb, 0xdb, 0xd8, 0x01, 0xff), fc.uint8Array({ maxLength: 120 }), (associate, tag, rest) => {
    const session = new ServerSession(meter, 16);
    if (associate) session.handle(aarq);
    const answer = session.handle(Uint8Array.from([tag, ...rest]));
    return answer instanceof Uint8Array && answer.length > 0;
  }), { numRuns: 1000 });
  const session = new ServerSession(meter, 16);
  t.equal(decodeAare(session.handle(aarq)!).result, 0, 'a well-formed AARQ is accepted');
  t.equal(session.handle(Uint8Array.of(0xc4, 1, 0xc1, 0, 0))![0], ApduTag.EXCEPTION_RESPONSE, 'a response APDU sent to the meter is refused');
});
