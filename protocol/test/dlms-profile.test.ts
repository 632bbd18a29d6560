import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../src/index.js';
import {
  captureObject, CLOCK_CAPTURE_OBJECT, COMMON_OBJECTS, CosemClass, Data, dateTimeFromUnix, decodeCaptureObjects, decodeEntryDescriptor,
  decodeGetRequest, decodeProfileBuffer, decodeRangeDescriptor, encodeCaptureObjects, encodeData, encodeDateTime, entryAccess, formatDateTime,
  formatObis, knownObject, normalizeObis, parseObis, ProfileError, rangeAccess, clockValueToUnix, decodeDateTime, writeSelection, ByteWriter,
} from '../src/dlms/index.js';

const xdlms = JSON.parse(readFileSync(new URL('./vectors/dlms-u9n-dlms-cosem/xdlms.json', import.meta.url), 'utf8'));

t.test('OBIS codes parse from every common form and print as A.B.C.D.E.F', async (t) => {
  for (const text of ['1.0.1.8.0.255', '1-0:1.8.0*255', '1-0:1.8.0.255', '1-0:1.8.0', '1.0.1.8.0', ' 1.0.1.8.0.255 ']) {
    t.equal(formatObis(parseObis(text)), '1.0.1.8.0.255', text);
  }
  t.equal(toHex(parseObis('0.0.1.0.0.255')), '0000010000ff');
  t.equal(normalizeObis('0-0:96.1.0*255'), '0.0.96.1.0.255');
  for (const bad of ['1.0.1.8', '1.0.1.8.0.256', 'a.b.c.d.e.f', '1-0-1.8.0', '']) t.throws(() => parseObis(bad), RangeError, bad);
  fc.assert(fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (ln) => toHex(parseObis(formatObis(ln))) === toHex(ln)));
  t.equal(knownObject('1-0:99.1.0*255')?.classId, CosemClass.PROFILE_GENERIC);
  t.equal(COMMON_OBJECTS.clock!.obis, '0.0.1.0.0.255');
  t.ok(Object.isFrozen(COMMON_OBJECTS));
});

t.test('published range descriptor: built byte for byte, and parsed from a Get-Request', async (t) => {
  const v = xdlms.rangeDescriptor;
  const from = dateTimeFromUnix(Date.parse(v.from) / 1000, { deviation: -120, clockStatus: 0 });
  const to = dateTimeFromUnix(Date.parse(v.to) / 1000, { deviation: -60, clockStatus: 0 });
  const access = rangeAccess({ from: { ...from, dayOfWeek: null }, to: { ...to, dayOfWeek: null } });
  const w = new ByteWriter();
  writeSelection(w, access);
  t.equal(toHex(w.finish()), `01${v.hex}`, 'OPTIONAL flag 01, then the published selector 01 and descriptor');
  const request = decodeGetRequest(fromHex(xdlms.vectors[6].hex));
  if (request.kind !== 'normal' || request.access === undefined) throw new Error('range request expected');
  t.equal(formatObis(request.attribute.obis), '1.0.99.1.0.255');
  t.equal(request.access.selector, 1);
  const range = decodeRangeDescriptor(request.access.parameters);
  t.same(range.restrictingObject, CLOCK_CAPTURE_OBJECT);
  t.equal(range.columns.length, 0, 'all columns');
  t.equal(formatDateTime(decodeDateTime((range.from as { value: Uint8Array }).value)), '2017-10-01T00:00:00+01:00');
  t.equal(clockValueToUnix(range.to), Date.parse('2017-10-01T01:00:00+01:00') / 1000);
});

t.test('entry descriptor and capture objects round-trip', async (t) => {
  const access = entryAccess({ fromEntry: 1, toEntry: 96, fromColumn: 1, toColumn: 2 });
  t.equal(toHex(encodeData(access.parameters)), '0204060000000106000000601200011200 02'.replace(/ /g, ''));
  t.same(decodeEntryDescriptor(access.parameters), { fromEntry: 1, toEntry: 96, fromColumn: 1, toColumn: 2 });
  t.throws(() => entryAccess({ fromEntry: 0 }), RangeError);
  const columns = [CLOCK_CAPTURE_OBJECT, captureObject(3, '1.0.1.8.0.255', 2), captureObject(3, '1.0.2.8.0.255', 2)];
  t.same(decodeCaptureObjects(encodeCaptureObjects(columns)), columns);
  t.throws(() => decodeCaptureObjects(Data.array([Data.u8(1)])), ProfileError);
});

t.test('buffer rows: timestamps from octet-string or date-time, null clocks filled from the capture period', async (t) => {
  const start = 1719792000;
  const clock = (s: number) => Data.octetString(encodeDateTime(dateTimeFromUnix(s, { deviation: -120 })));
  const columns = [CLOCK_CAPTURE_OBJECT, captureObject(3, '1.0.1.8.0.255', 2)];
  const buffer = Data.array([
    Data.structure(clock(start), Data.u32(100)),
    Data.structure(Data.null(), Data.u32(110)),
    Data.structure(Data.null(), Data.u32(125)),
    Data.structure(Data.dateTime(dateTimeFromUnix(start + 3600)), Data.u32(130)),
    Data.structure(Data.null(), Data.u32(131)),
  ]);
  const rows = decodeProfileBuffer(buffer, { columns, capturePeriod: 900 });
  t.same(rows.map((r) => r.timestamp), [start, start + 900, start + 1800, start + 3600, start + 4500]);
  t.same(rows.map((r) => (r.values[1] as { value: number }).value), [100, 110, 125, 130, 131]);
  const continued = decodeProfileBuffer(Data.array([Data.structure(Data.null(), Data.u32(1))]), { columns, capturePeriod: 900, previousTimestamp: start });
  t.equal(continued[0]!.timestamp, start + 900, 'continues from the previous read');
  t.throws(() => decodeProfileBuffer(Data.array([Data.structure(Data.null(), Data.u32(1))]), { columns, capturePeriod: 900 }), { code: 'DLMS_PROFILE_NO_CLOCK' });
  t.throws(() => decodeProfileBuffer(Data.array([Data.structure(Data.u32(1))]), { columns }), { code: 'DLMS_PROFILE_BAD_BUFFER' });
  t.throws(() => decodeProfileBuffer(Data.u32(1), { columns }), ProfileError);
});
