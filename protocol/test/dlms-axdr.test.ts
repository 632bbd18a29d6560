import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../src/index.js';
import {
  applyScaler, AxdrError, berLengthBytes, dateTimeBytesToUnix, daysFromCivil, ByteReader, Data, dataNumber, dateTimeFromUnix, dateTimeToUnix, decodeData, decodeDateTime,
  decodeScalerUnit, DlmsError, encodeData, encodeDateTime, encodeScalerUnit, formatDateTime, formatScaled, Unit,
  type CosemDateTime, type DlmsData, type TypeDescription,
} from '../src/dlms/index.js';

const xdlms = JSON.parse(readFileSync(new URL('./vectors/dlms-u9n-dlms-cosem/xdlms.json', import.meta.url), 'utf8'));

t.test('tagged encodings of every data type (Blue Book Data CHOICE)', async (t) => {
  const cases: Array<[DlmsData, string]> = [
    [Data.null(), '00'],
    [Data.array([Data.u8(1), Data.u8(2)]), '01021101 1102'],
    [Data.structure(Data.boolean(true), Data.boolean(false)), '020203ff0300'],
    [{ type: 'bit-string', bits: 12, bytes: fromHex('abc0') }, '040cabc0'],
    [Data.i32(-2), '05fffffffe'],
    [Data.u32(5009), '0600001391'],
    [Data.octetString(fromHex('0000010000ff')), '09060000010000ff'],
    [Data.visibleString('ABC'), '0a03414243'],
    [{ type: 'utf8-string', value: 'Zähler' }, '0c075ac3a4686c6572'],
    [{ type: 'bcd', value: 0x12 }, '0d12'],
    [Data.i8(-3), '0ffd'],
    [Data.i16(-300), '10fed4'],
    [Data.u8(200), '11c8'],
    [Data.u16(65535), '12ffff'],
    [Data.i64(-1n), '14ffffffffffffffff'],
    [Data.u64(0x0123456789abcdefn), '150123456789abcdef'],
    [Data.enum(30), '161e'],
    [{ type: 'float32', value: 1.5 }, '173fc00000'],
    [{ type: 'float64', value: -2.25 }, '18c002000000000000'],
    [{ type: 'date', value: { year: 2024, month: 2, dayOfMonth: 29, dayOfWeek: 4 } }, '1a07e8021d04'],
    [{ type: 'time', value: { hour: 23, minute: 59, second: null, hundredths: null } }, '1b173bffff'],
    [{ type: 'delta-long', value: -1 }, '1dffff'],
    [{ type: 'dont-care' }, 'ff'],
  ];
  for (const [data, hex] of cases) {
    const want = hex.replace(/ /g, '');
    t.equal(toHex(encodeData(data)), want, `${data.type} encodes`);
    t.same(decodeData(fromHex(want)), data, `${data.type} decodes`);
  }
});

t.test('BER lengths: short and long forms', async (t) => {
  t.equal(toHex(berLengthBytes(0x7f)), '7f');
  t.equal(toHex(berLengthBytes(0x80)), '8180');
  t.equal(toHex(berLengthBytes(0x1234)), '821234');
  t.equal(toHex(berLengthBytes(0x123456)), '83123456');
  t.equal(toHex(berLengthBytes(0x12345678)), '8412345678');
  const big = Data.octetString(new Uint8Array(300));
  t.equal(toHex(encodeData(big).subarray(0, 4)), '09820 12c'.replace(/ /g, ''));
  t.throws(() => new ByteReader(fromHex('85000000000000')).length(), AxdrError, '5 length bytes are refused');
  t.throws(() => new ByteReader(fromHex('80')).length(), AxdrError, 'indefinite form is refused');
});

t.test('compact-array: type description and untagged contents', async (t) => {
  const element: TypeDescription = { tag: 2, members: [{ tag: 6 }, { tag: 18 }] };
  const data: DlmsData = { type: 'compact-array', element, items: [Data.structure(Data.u32(1), Data.u16(2)), Data.structure(Data.u32(3), Data.u16(4))] };
  const hex = '13' + '0202' + '0612' + '0c' + '0000000100 02'.replace(/ /g, '') + '0000000300 04'.replace(/ /g, '');
  t.equal(toHex(encodeData(data)), hex);
  t.same(decodeData(fromHex(hex)), data);
  t.throws(() => decodeData(fromHex('13000001')), AxdrError, 'null elements cannot fill a compact array');
  t.throws(() => decodeData(fromHex('1313')), { code: 'DLMS_AXDR_BAD_TAG' });
});

t.test('12-byte date-time with wildcards and deviation (published examples)', async (t) => {
  for (const v of xdlms.dateTimes) {
    const dt = decodeDateTime(fromHex(v.hex));
    t.equal(formatDateTime(dt), v.iso, v.iso);
    t.equal(dateTimeToUnix(dt), v.unix, `${v.iso} as Unix seconds`);
    t.equal(toHex(encodeDateTime(dt)), v.hex, 're-encoded');
  }
  const wild = decodeDateTime(fromHex('ffff0cfe05ffffffff8000ff'));
  t.same([wild.year, wild.month, wild.dayOfMonth, wild.hour, wild.deviation, wild.clockStatus], [null, 12, 0xfe, null, null, null], 'wildcards and "last day"');
  t.equal(dateTimeToUnix(wild), undefined, 'a wildcard instant has no Unix time');
  const cest = dateTimeFromUnix(1719792000, { deviation: -120, clockStatus: 0x80 });
  t.equal(formatDateTime(cest), '2024-07-01T02:00:00+02:00');
  t.equal(cest.dayOfWeek, 1, 'Monday');
  t.equal(dateTimeToUnix(cest), 1719792000);
  t.throws(() => encodeDateTime({ ...cest, deviation: 800 }), RangeError);
  t.throws(() => encodeDateTime({ ...cest, month: 13 }), RangeError);
});

t.test('scaler_unit', async (t) => {
  const su = decodeScalerUnit(decodeData(fromHex('02020f03161e')));
  t.same(su, { scaler: 3, unit: Unit.WATT_HOUR });
  t.equal(toHex(encodeData(encodeScalerUnit(su))), '02020f03161e');
  t.equal(applyScaler(1234, -1), 123.4);
  t.equal(applyScaler(12, 3), 12000);
  t.equal(formatScaled(5009, { scaler: -2, unit: Unit.VOLT }), '50.09 V');
  t.throws(() => decodeScalerUnit(Data.u8(1)), AxdrError);
  t.equal(dataNumber(Data.u64(5n)), 5);
  t.equal(dataNumber(Data.octetString(new Uint8Array(1))), undefined);
});

t.test('fast-check: date-time to Unix agrees with Date.UTC, from the object and from the bytes', async (t) => {
  fc.assert(fc.property(fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }), fc.integer({ min: -720, max: 720 }), (unix, deviation) => {
    const dt = dateTimeFromUnix(unix, { deviation });
    const bytes = encodeDateTime(dt);
    return dateTimeToUnix(dt) === unix && dateTimeBytesToUnix(bytes) === unix && daysFromCivil(dt.year!, dt.month!, dt.dayOfMonth!) === Math.floor(Date.UTC(dt.year!, dt.month! - 1, dt.dayOfMonth!) / 86400000);
  }), { numRuns: 2000 });
  t.equal(dateTimeBytesToUnix(fromHex('07e2020cff0000000080' + '00ff'), 0, -60), 1518393600 - 3600, 'unspecified deviation: the assumed one');
  t.equal(dateTimeBytesToUnix(fromHex('ffff020cff00000000800000')), undefined);
});

const dateTimeArb: fc.Arbitrary<CosemDateTime> = fc.record({
  year: fc.option(fc.integer({ min: 0, max: 0xfffe }), { nil: null }),
  month: fc.option(fc.constantFrom(1, 6, 12, 0xfd, 0xfe), { nil: null }),
  dayOfMonth: fc.option(fc.integer({ min: 1, max: 31 }), { nil: null }),
  dayOfWeek: fc.option(fc.integer({ min: 1, max: 7 }), { nil: null }),
  hour: fc.option(fc.integer({ min: 0, max: 23 }), { nil: null }),
  minute: fc.option(fc.integer({ min: 0, max: 59 }), { nil: null }),
  second: fc.option(fc.integer({ min: 0, max: 59 }), { nil: null }),
  hundredths: fc.option(fc.integer({ min: 0, max: 99 }), { nil: null }),
  deviation: fc.option(fc.integer({ min: -720, max: 720 }), { nil: null }),
  clockStatus: fc.option(fc.integer({ min: 0, max: 0xfe }), { nil: null }),
});

const dataArb: fc.Arbitrary<DlmsData> = fc.letrec<{ data: DlmsData }>((tie) => ({
  data: fc.oneof(
    { depthSize: 'small' },
    fc.constant(Data.null()),
    fc.boolean().map(Data.boolean),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(Data.i32),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }).map(Data.u32),
    fc.integer({ min: -128, max: 127 }).map(Data.i8),
    fc.integer({ min: -32768, max: 32767 }).map(Data.i16),
    fc.integer({ min: 0, max: 255 }).map(Data.u8),
    fc.integer({ min: 0, max: 65535 }).map(Data.u16),
    fc.integer({ min: 0, max: 255 }).map(Data.enum),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(Data.i64),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(Data.u64),
    fc.double({ noNaN: true }).map((value): DlmsData => ({ type: 'float64', value })),
    fc.float({ noNaN: true }).map((value): DlmsData => ({ type: 'float32', value })),
    fc.uint8Array({ maxLength: 200 }).map(Data.octetString),
    fc.stringMatching(/^[ -~]{0,40}$/).map(Data.visibleString),
    fc.string({ maxLength: 20 }).map((value): DlmsData => ({ type: 'utf8-string', value })),
    fc.integer({ min: 0, max: 64 }).chain((bits) => fc.uint8Array({ minLength: Math.ceil(bits / 8), maxLength: Math.ceil(bits / 8) }).map((bytes): DlmsData => ({ type: 'bit-string', bits, bytes }))),
    dateTimeArb.map(Data.dateTime),
    fc.array(tie('data'), { maxLength: 5 }).map((items) => Data.array(items)),
    fc.array(tie('data'), { maxLength: 5 }).map((items) => Data.structure(...items)),
  ),
})).data;

t.test('fast-check: every Data value round-trips, and fed its own bytes decodes the same', async (t) => {
  fc.assert(fc.property(dataArb, (data) => {
    const bytes = encodeData(data);
    const back = decodeData(bytes);
    return toHex(encodeData(back)) === toHex(bytes);
  }), { numRuns: 1000 });
  t.pass();
});

t.test('fast-check: truncated, random and bit-flipped A-XDR yields only typed errors', async (t) => {
  const typed = (bytes: Uint8Array): boolean => {
    try {
      decodeData(bytes);
    } catch (error) {
      if (!(error instanceof DlmsError)) throw error;
    }
    return true;
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), typed), { numRuns: 1000 });
  fc.assert(fc.property(dataArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (data, at, xor) => {
    const bytes = encodeData(data);
    const copy = bytes.slice();
    copy[at % copy.length] = copy[at % copy.length]! ^ xor;
    let truncatedRefused = true;
    try {
      decodeData(bytes.subarray(0, bytes.length - 1));
      truncatedRefused = false;
    } catch (error) {
      truncatedRefused = error instanceof DlmsError;
    }
    return truncatedRefused && typed(copy);
  }), { numRuns: 300 });
  t.throws(() => decodeData(fromHex('0184ffffffff00')), { code: 'DLMS_AXDR_TRUNCATED' }, 'a huge count is refused before allocating');
  t.throws(() => decodeData(fromHex('0101'.repeat(40) + '00')), { code: 'DLMS_AXDR_TOO_DEEP' });
  t.throws(() => decodeData(fromHex('07')), { code: 'DLMS_AXDR_BAD_TAG' });
  t.throws(() => decodeData(fromHex('110102')), { code: 'DLMS_AXDR_BAD_VALUE' }, 'trailing bytes');
  t.throws(() => encodeData(Data.u8(256)), AxdrError);
});
