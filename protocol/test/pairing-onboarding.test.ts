// Onboarding payload (QR text and NFC NDEF record), base32 (RFC 4648 §10 vectors), CRC-32
// check value, and the setup code with its Verhoeff check digit.
import fc from 'fast-check';
import t from 'tap';
import { toHex, utf8 } from '../src/bytes.js';
import {
  crc32, decodeBase32, decodeNdefMessage, decodeOnboardingCbor, decodeOnboardingText, encodeBase32, encodeNdefMessage, encodeOnboardingText, formatSetupCode,
  isSetupCode, ndefRecord, ONBOARDING_MIME_TYPE, type OnboardingPayload, onboardingFromNdef, onboardingNdefRecord, PairingError, parseSetupCode,
  setupCodeFromRandom, Tnf, verhoeffCheckDigit, verhoeffValid,
} from '../src/pairing/index.js';
import { onboardingPayload } from './fixtures/pairing-rig.js';

t.test('base32: RFC 4648 §10 test vectors (unpadded), both cases', (t) => {
  const vectors: Array<[string, string]> = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
  for (const [plain, encoded] of vectors) {
    t.equal(encodeBase32(utf8(plain)), encoded);
    t.same(decodeBase32(encoded), utf8(plain));
    t.same(decodeBase32(encoded.toLowerCase()), utf8(plain));
  }
  t.equal(decodeBase32('MZ'), undefined, 'non-zero trailing bits are not canonical');
  t.equal(decodeBase32('M'), undefined, 'impossible length');
  t.equal(decodeBase32('MY0='), undefined, 'characters outside the alphabet');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => toHex(decodeBase32(encodeBase32(bytes))!) === toHex(bytes)));
  t.end();
});

t.test('CRC-32 check value (ISO 3309): "123456789" -> 0xCBF43926', (t) => {
  t.equal(crc32(utf8('123456789')), 0xcbf43926);
  t.equal(crc32(new Uint8Array(0)), 0);
  t.end();
});

t.test('Verhoeff check digit: published example 236 -> 3; detects every single error and adjacent transposition', (t) => {
  t.equal(verhoeffCheckDigit('236'), 3);
  t.ok(verhoeffValid('2363'));
  t.notOk(verhoeffValid('2364'));
  t.equal(verhoeffCheckDigit('12345'), 1);
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{8}$/), fc.nat(8), fc.integer({ min: 1, max: 9 }), (code, at, delta) => {
      const full = code + verhoeffCheckDigit(code);
      const digits = full.split('');
      digits[at] = String((Number(digits[at]) + delta) % 10);
      const single = digits.join('');
      const swapped = at < 8 && full[at] !== full[at + 1] ? full.slice(0, at) + full[at + 1] + full[at] + full.slice(at + 2) : undefined;
      return verhoeffValid(full) && !verhoeffValid(single) && (swapped === undefined || !verhoeffValid(swapped));
    }),
    { numRuns: 2000 },
  );
  t.end();
});

t.test('typed setup code: format, parse, typo caught before any radio traffic', (t) => {
  t.equal(formatSetupCode('40712218'), `4071-2218-${verhoeffCheckDigit('40712218')}`);
  const typed = formatSetupCode('40712218');
  t.equal(parseSetupCode(typed), '40712218');
  t.equal(parseSetupCode(` ${typed.replace(/-/g, ' ')} `), '40712218', 'spaces accepted');
  t.throws(() => parseSetupCode('4071-2281-' + typed.slice(-1)), { code: 'BAD_SETUP_CODE', message: /typo/ }, 'transposition');
  t.throws(() => parseSetupCode('4071-2218'), { code: 'BAD_SETUP_CODE', message: /9 digits/ }, 'check digit missing');
  t.throws(() => parseSetupCode('1234-5678-' + verhoeffCheckDigit('12345678')), { code: 'BAD_SETUP_CODE' }, 'trivial code');
  t.notOk(isSetupCode('00000000'));
  t.notOk(isSetupCode('1234567'));
  t.ok(isSetupCode('40712218'));
  t.end();
});

t.test('setup codes from randomness: uniform digits, trivial codes skipped', (t) => {
  t.equal(setupCodeFromRandom(Uint8Array.of(0x00, 0xbc, 0x61, 0x4e, 0, 0, 0, 42)), '00000042', 'the trivial 12345678 (0x00bc614e) is skipped');
  t.equal(setupCodeFromRandom(Uint8Array.of(0xfa, 0x56, 0xea, 0x00, 0x00, 0x00, 0x30, 0x39)), '00012345', 'a word at or above 42 x 10^8 is rejected, the next word used');
  t.equal(setupCodeFromRandom(Uint8Array.of(0xfa, 0x56, 0xe9, 0xfe)), '99999998', 'the largest accepted word, reduced mod 10^8');
  t.equal(setupCodeFromRandom(Uint8Array.of(0x07, 0xff, 0xff, 0xff)), '34217727', 'words above 10^8 are reduced, not wasted');
  t.throws(() => setupCodeFromRandom(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), RangeError);
  let failures = 0;
  for (let i = 0; i < 20_000; i++) {
    try { setupCodeFromRandom(crypto.getRandomValues(new Uint8Array(16))); } catch { failures++; }
  }
  t.equal(failures, 0, '16 random bytes give a code (failure odds about 1 in 4 million)');
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (r) => { try { return isSetupCode(setupCodeFromRandom(r)); } catch (e) { return e instanceof RangeError; } }));
  t.end();
});

const payloadArb: fc.Arbitrary<OnboardingPayload> = fc.record({
  version: fc.constant(1),
  meterId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map(toHex),
  staticKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  setupCode: fc.stringMatching(/^[0-9]{8}$/).filter(isSetupCode),
  capabilities: fc.constantFrom(1, 2, 3),
});

const key = (p: OnboardingPayload): string => [p.version, p.meterId, toHex(p.staticKey), p.setupCode, p.capabilities].join('|');

t.test('QR text: 84 characters in the QR alphanumeric set; round trip (fast-check)', (t) => {
  const text = encodeOnboardingText(onboardingPayload());
  t.equal(text.length, 84);
  t.match(text, /^WL1:[A-Z2-7]{80}$/);
  t.same(decodeOnboardingText(text), onboardingPayload());
  t.same(decodeOnboardingText(`  ${text.toLowerCase()}\n`), onboardingPayload(), 'case and surrounding space ignored');
  fc.assert(fc.property(payloadArb, (p) => key(decodeOnboardingText(encodeOnboardingText(p))) === key(p)), { numRuns: 300 });
  t.end();
});

t.test('QR text: every single-character substitution is caught by the checksum', (t) => {
  const text = encodeOnboardingText(onboardingPayload());
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let caught = 0;
  for (let i = 4; i < text.length; i++) {
    for (const c of alphabet) {
      if (c === text[i]) continue;
      const mutated = text.slice(0, i) + c + text.slice(i + 1);
      try {
        decodeOnboardingText(mutated);
        t.fail(`substitution at ${i} not caught`);
      } catch (error) {
        if ((error as PairingError).code !== 'BAD_ONBOARDING') throw error;
        caught++;
      }
    }
  }
  t.equal(caught, 80 * 31);
  t.end();
});

t.test('QR text: malformed inputs are BAD_ONBOARDING with a clear reason', (t) => {
  const text = encodeOnboardingText(onboardingPayload());
  t.throws(() => decodeOnboardingText('https://example.com'), { code: 'BAD_ONBOARDING', message: /WL1:/ });
  t.throws(() => decodeOnboardingText(text.slice(0, -1)), { code: 'BAD_ONBOARDING' });
  t.throws(() => decodeOnboardingText(text + 'AAAAAAAA'), { code: 'BAD_ONBOARDING', message: /decodes to 55 bytes/ });
  t.throws(() => decodeOnboardingText(text.replace(/.$/, '0')), { code: 'BAD_ONBOARDING', message: /outside base32/ });
  t.throws(() => encodeOnboardingText({ ...onboardingPayload(), capabilities: 4 }), { code: 'BAD_ONBOARDING', message: /capabilities/ });
  t.throws(() => encodeOnboardingText({ ...onboardingPayload(), version: 2 }), { code: 'BAD_ONBOARDING', message: /version 2/ });
  fc.assert(fc.property(fc.string({ maxLength: 120 }), (s) => { try { decodeOnboardingText('WL1:' + s); } catch (e) { if (!(e instanceof PairingError)) throw e; } return true; }), { numRuns: 500 });
  t.end();
});

t.test('NFC: one media-type NDEF record with a CBOR body; round trip and lookup among other records', (t) => {
  const record = onboardingNdefRecord(onboardingPayload());
  t.equal(record.tnf, Tnf.MEDIA_TYPE);
  t.same(record.type, utf8(ONBOARDING_MIME_TYPE));
  t.ok(record.payload.length < 64, `CBOR body is compact (${record.payload.length} bytes)`);
  const tag = encodeNdefMessage([ndefRecord(Tnf.WELL_KNOWN, utf8('U'), Uint8Array.of(4, ...utf8('wattledger.example'))), record]);
  t.same(onboardingFromNdef(decodeNdefMessage(tag)), onboardingPayload());
  const upper = ndefRecord(Tnf.MEDIA_TYPE, utf8(ONBOARDING_MIME_TYPE.toUpperCase()), record.payload);
  t.same(onboardingFromNdef([upper]), onboardingPayload(), 'media types compare case-insensitively');
  t.throws(() => onboardingFromNdef([]), { code: 'BAD_ONBOARDING', message: /is this a wattledger meter/ });
  fc.assert(fc.property(payloadArb, (p) => key(onboardingFromNdef([onboardingNdefRecord(p)])) === key(p)), { numRuns: 200 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => { try { decodeOnboardingCbor(bytes); } catch (e) { if (!(e instanceof PairingError)) throw e; } return true; }), { numRuns: 500 });
  t.end();
});
