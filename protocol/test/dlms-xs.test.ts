import t from 'tap';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { runInXs } from '../src/node/index.js';

// The DLMS codecs are part of the pure protocol core: the same script must print the same
// lines inside the XS engine and on Node (HDLC parsing, ciphering, HLS-GMAC, A-XDR, profiles).
const script = `
import { fromHex, toHex } from '../src/index.js';
import {
  HdlcFrameParser, decipherApdu, gmacTag, cipherApdu, decodeData, encodeData, Data, decodeProfileBuffer, CLOCK_CAPTURE_OBJECT,
  captureObject, dateTimeFromUnix, encodeDateTime, parseIdentification, encodeAarq, decodeAare, crc16x25, HdlcLink, clientAddress, serverAddress,
} from '../src/dlms/index.js';
const emit = (line) => issueCommand(new TextEncoder().encode(line).buffer);
const keys = { encryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'), authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf') };
const stream = fromHex('7ea87e210396a4090f01160002020f02160002020f03160002020f04160002020f05160002020f0616000204120017110009060000160000ff0202010902030f0116010002030f0216010002030f0316010002030f0416010002030f0516010002030f0616010002030f0716010002030f0816010002030f09160100016ff37e');
const parser = new HdlcFrameParser();
for (const b of stream) for (const e of parser.push(Uint8Array.of(b))) emit(e.type === 'frame' ? e.frame.kind + ' ' + e.frame.ns + ' ' + e.frame.nr + ' ' + toHex(e.frame.info) : e.defect);
emit(toHex(decipherApdu(fromHex('c81e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b'), { keys, peerSystemTitle: fromHex('4d4d4d0000bc614e') }).apdu));
emit(toHex(gmacTag(keys, fromHex('4d4d4d0000000001'), 1, fromHex('503677524a323146'))));
emit(toHex(cipherApdu(fromHex('c0010000080000010000ff0200'), { style: 'general', securityControl: 0x30, systemTitle: fromHex('4d4d4d0000000001'), invocationCounter: 7, keys })));
const rows = [];
for (let i = 0; i < 4; i++) rows.push(Data.structure(i === 2 ? Data.null() : Data.octetString(encodeDateTime(dateTimeFromUnix(1719792000 + i * 900, { deviation: -120 }))), Data.u32(1000 + i), Data.i64(-5n), { type: 'float64', value: 1.5 }, { type: 'utf8-string', value: 'Zähler' }));
const buffer = encodeData(Data.array(rows));
emit(toHex(buffer));
const columns = [CLOCK_CAPTURE_OBJECT, captureObject(3, '1.0.1.8.0.255', 2), captureObject(1, '0.0.0.0.0.255', 2), captureObject(1, '0.0.0.0.1.255', 2), captureObject(1, '0.0.0.0.2.255', 2)];
emit(decodeProfileBuffer(decodeData(buffer), { columns, capturePeriod: 900 }).map((r) => r.timestamp).join(','));
emit(JSON.stringify(parseIdentification('/ISK5\\\\2MT382-1000')));
emit(toHex(encodeAarq({ applicationContext: 1, mechanism: 1, callingAuthenticationValue: fromHex('3132333435363738'), userInformation: fromHex('01000000065f1f0400007e1f04b0') })));
emit(String(decodeAare(fromHex('6129a109060760857405080101a203020101a305a103020102be10040e0800065f1f040000501f01f40007')).diagnostic));
emit(crc16x25(new TextEncoder().encode('123456789')).toString(16));
const link = new HdlcLink({ role: 'client', local: clientAddress(16), remote: serverAddress(1, 17) });
emit(link.connect().map((e) => e.type === 'send' ? toHex(e.bytes) : e.type).join(' '));
`;

t.test('DLMS codecs run unchanged in the XS engine with identical output', async (t) => {
  const resolveDir = fileURLToPath(new URL('.', import.meta.url));
  const bundle = await build({ stdin: { contents: script, resolveDir, loader: 'ts' }, bundle: true, format: 'iife', target: 'es2022', write: false, platform: 'neutral', mainFields: ['module', 'main'] });
  const source = bundle.outputFiles[0]!.text;
  const xs = await runInXs(source);
  const fromXs = xs.messages.map((m) => new TextDecoder().decode(m));
  const fromNode: string[] = [];
  new Function('issueCommand', source)((b: ArrayBuffer) => fromNode.push(new TextDecoder().decode(b)));
  t.equal(fromNode.length, 11, 'every line emitted');
  t.equal(fromNode[5], '1719792000,1719792900,1719793800,1719794700', 'the null timestamp was filled');
  t.equal(fromNode[1], 'c0010000080000010000ff0200', 'the Green Book vector deciphers');
  t.same(fromXs, fromNode, 'XS and Node print the same lines');
});
