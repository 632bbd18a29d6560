import t from 'tap';
import { toHex } from '../src/index.js';
import { encodeIdentification, encodeOptionSelect, encodeRequest, ModeEError, ModeEOpening, parseIdentification, type ModeEEffect } from '../src/dlms/index.js';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const sent = (effects: ModeEEffect[]): string[] => effects.flatMap((e) => (e.type === 'send' ? [toHex(e.bytes)] : []));

t.test('IEC 62056-21 messages: request, identification, option select', async (t) => {
  t.equal(toHex(encodeRequest()), toHex(ascii('/?!\r\n')));
  t.equal(toHex(encodeRequest('12345678')), toHex(ascii('/?12345678!\r\n')));
  t.throws(() => encodeRequest('bad!'), RangeError);
  const id = parseIdentification('/ISK5\\2MT382-1000');
  t.same(id, { manufacturer: 'ISK', baudChar: '5', baudRate: 9600, capabilities: ['2'], identification: 'MT382-1000' });
  t.equal(toHex(encodeIdentification(id)), toHex(ascii('/ISK5\\2MT382-1000\r\n')));
  t.equal(toHex(encodeOptionSelect('5')), '063235320d0a', 'ACK 2 5 2 CR LF: HDLC protocol, 9600 Bd, binary mode');
  t.throws(() => parseIdentification('ISK5\\2MT382'), ModeEError);
  t.throws(() => parseIdentification('/ISK9\\2MT382'), { code: 'DLMS_MODE_E_BAD_IDENTIFICATION' });
});

t.test('opening: 300 Bd 7E1, echoed request skipped, identification fed one byte at a time, switch after the ACK drained', async (t) => {
  const opening = new ModeEOpening();
  const start = opening.start();
  t.match(start[0], { type: 'configure', baudRate: 300, dataBits: 7, parity: 'even' });
  t.same(sent(start), [toHex(ascii('/?!\r\n'))]);
  const reply = ascii('/?!\r\n/LGZ5\\2ZMD3104100\r\n');
  let effects: ModeEEffect[] = [];
  for (const b of reply) effects.push(...opening.receive(Uint8Array.of(b)));
  t.same(sent(effects), ['063235320d0a'], 'ACK 2 5 2 once the identification is complete');
  t.equal(opening.phase, 'selecting');
  t.same(opening.receive(Uint8Array.of(0x06, 0x32, 0x35, 0x32, 0x0d, 0x0a)), [], 'the echoed ACK is dropped');
  t.equal(opening.dropped, 6);
  const switched = opening.sent();
  t.match(switched, [{ type: 'configure', baudRate: 9600, dataBits: 8, parity: 'none' }, { type: 'opened', baudRate: 9600, identification: { manufacturer: 'LGZ' } }]);
});

t.test('parity bits from a 7E1 line read as 8N1 are masked', async (t) => {
  const opening = new ModeEOpening({ maxBaudRate: 4800 });
  opening.start();
  const withParity = Array.from(ascii('/ABC6\\2X\r\n'), (b) => {
    let ones = 0;
    for (let x = b; x; x >>= 1) ones += x & 1;
    return ones % 2 ? b | 0x80 : b;
  });
  t.same(sent(opening.receive(Uint8Array.from(withParity))), ['063234320d0a'], 'capped at 4800 Bd (char 4)');
});

t.test('a meter without HDLC capability, a silent meter', async (t) => {
  const modeC = new ModeEOpening();
  modeC.start();
  t.match(modeC.receive(ascii('/ISK5MT174\r\n')), [{ type: 'cancel-timer' }, { type: 'error', error: { code: 'DLMS_MODE_E_NO_HDLC' } }]);
  const forced = new ModeEOpening({ force: true });
  forced.start();
  t.same(sent(forced.receive(ascii('/ISK5MT174\r\n'))), ['063235320d0a']);
  const silent = new ModeEOpening({ retries: 1 });
  silent.start();
  t.same(sent(silent.timeout()), [toHex(ascii('/?!\r\n'))], 'request repeated');
  t.match(silent.timeout(), [{ type: 'error', error: { code: 'DLMS_MODE_E_TIMEOUT', layer: 'MODE_E' } }]);
});
