/**
 * The technician tool's command line and inputs: onboarding payload from QR text, bare NDEF and
 * NFC Forum Type 2 tag memory (with garbage and every truncation), a typed code's typo caught
 * before any radio traffic, the optional radio packages absent (one clear line each), the
 * keygen / credential / show commands, and usage errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { fromHex, partyIdFromPublicKey, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { Capability, encodeNdefMessage, encodeOnboardingText, formatSetupCode, onboardingNdefRecord, PairingError, x25519KeyPair, type OnboardingPayload } from '@wattledger/protocol/pairing';
import { verifyTechnicianCredential } from '../src/pairing/technician-credential.js';
import { loadOptional, RadioUnavailableError } from '../src/pairing/technician/optional-module.js';
import { ndefFromType2Tag, onboardingFromNfcBytes } from '../src/pairing/technician/onboarding-input.js';
import { parseRole, runPairCommand } from '../src/pairing/technician/pair-command.js';

const payload: OnboardingPayload = {
  version: 1, meterId: '0123456789abcdef', staticKey: x25519KeyPair(new Uint8Array(32).fill(7)).publicKey, setupCode: '40712218', capabilities: Capability.NFC | Capability.BLE,
};
const ndef = encodeNdefMessage([onboardingNdefRecord(payload)]);

/** A Type 2 tag image: UID/lock blocks, capability container E1 10 12 00, then TLVs (lock control, NDEF, terminator). */
function type2Tag(message: Uint8Array, longLength = false): Uint8Array {
  const header = Uint8Array.of(0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x48, 0x00, 0x00, 0xe1, 0x10, 0x12, 0x00);
  const lock = Uint8Array.of(0x01, 0x03, 0xa0, 0x0c, 0x34);
  const length = longLength ? [0xff, message.length >> 8, message.length & 0xff] : [message.length];
  return Uint8Array.from([...header, ...lock, 0x00, 0x03, ...length, ...message, 0xfe, 0x00, 0x00]);
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

t.test('onboarding from NFC bytes: bare NDEF, Type 2 tag image with short and long TLV length', async (t) => {
  t.same(onboardingFromNfcBytes(ndef), payload);
  t.same(onboardingFromNfcBytes(type2Tag(ndef)), payload);
  t.same(onboardingFromNfcBytes(type2Tag(ndef, true)), payload);
  t.same(ndefFromType2Tag(type2Tag(ndef).subarray(16)), ndef, 'a data area without the header');
});

t.test('NFC bytes: every truncation and random garbage give BAD_ONBOARDING, never another error', async (t) => {
  const image = type2Tag(ndef);
  for (let n = 0; n < image.length - 3; n++) {
    t.throws(() => onboardingFromNfcBytes(image.subarray(0, n)), { code: 'BAD_ONBOARDING' }, `truncated to ${n} bytes`);
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (garbage) => {
      try {
        onboardingFromNfcBytes(garbage);
      } catch (error) {
        if (!(error instanceof PairingError) || error.code !== 'BAD_ONBOARDING') throw error;
      }
    }),
    { numRuns: 500 },
  );
});

t.test('absent radio packages: one clear line, exit status 1, nothing else breaks', async (t) => {
  const qr = encodeOnboardingText(payload);
  const dir = mkdtempSync(join(tmpdir(), 'wl-pair-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tech.key'), toHex(new Uint8Array(32).fill(3)));
  writeFileSync(join(dir, 'tech.cred'), 'AAAA');
  const common = ['--registrar', 'http://127.0.0.1:9', '--credential', join(dir, 'tech.cred'), '--key', join(dir, 'tech.key'), '--role', 'producer:solar', '--qr', qr];
  const ble = io();
  t.equal(await runPairCommand([...common, '--transport', 'ble'], ble.io), 1);
  t.same(ble.err, ['wattledger-pair: BLE needs the optional package @abandonware/noble: npm install @abandonware/noble']);
  const nfc = io();
  t.equal(await runPairCommand([...common, '--transport', 'nfc'], nfc.io), 1);
  t.same(nfc.err, ['wattledger-pair: NFC needs the optional package nfc-pcsc: npm install nfc-pcsc']);
  const tag = io();
  t.equal(await runPairCommand(['show', '--nfc-tag'], tag.io), 1);
  t.same(tag.err, ['wattledger-pair: NFC needs the optional package nfc-pcsc: npm install nfc-pcsc']);
  await t.rejects(loadOptional('@abandonware/noble', 'BLE'), RadioUnavailableError);
  const broken = loadOptional('x', 'BLE', () => Promise.reject(new Error('Module did not self-register')));
  await t.rejects(broken, { message: /failed to load \(Module did not self-register\); reinstall it/ });
});

t.test('a typed setup code with a typo is refused before any radio traffic', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-pair-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tech.key'), toHex(new Uint8Array(32).fill(3)));
  writeFileSync(join(dir, 'tech.cred'), 'AAAA');
  const good = formatSetupCode(payload.setupCode);
  const typo = `${good.slice(0, 2)}${good[2] === '9' ? '0' : String(Number(good[2]) + 1)}${good.slice(3)}`;
  const run = io();
  const status = await runPairCommand(['--registrar', 'http://127.0.0.1:9', '--credential', join(dir, 'tech.cred'), '--key', join(dir, 'tech.key'), '--role', 'producer:solar', '--qr', encodeOnboardingText(payload), '--code', typo, '--transport', 'ble'], run.io);
  t.equal(status, 1);
  t.match(run.err, [/^wattledger-pair: BAD_SETUP_CODE: the setup code has a typo \(check digit mismatch\): type it again from the label$/]);
});

t.test('keygen, credential and show', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-pair-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const intermediarySeed = new Uint8Array(32).fill(9);
  writeFileSync(join(dir, 'intermediary.key'), toHex(intermediarySeed));
  const keygen = io();
  t.equal(await runPairCommand(['keygen', '--out', join(dir, 'tech.key')], keygen.io), 0);
  t.match(keygen.out, [/^[0-9a-f]{64}$/]);
  t.equal(await runPairCommand(['keygen', '--out', join(dir, 'tech.key')], io().io), 1, 'keygen never overwrites a key');
  const technicianPublicKey = keygen.out[0]!;
  t.same(nodeEd25519.publicKeyOf(fromHex(readFileSync(join(dir, 'tech.key'), 'utf8').trim())), fromHex(technicianPublicKey));

  const issued = io();
  t.equal(await runPairCommand(['credential', '--intermediary-key', join(dir, 'intermediary.key'), '--technician-public-key', technicianPublicKey, '--name', 'erin', '--days', '7'], issued.io), 0);
  const intermediary = nodeEd25519.signer(intermediarySeed);
  const credential = verifyTechnicianCredential(new Uint8Array(Buffer.from(issued.out[0]!, 'base64url')), {
    intermediaryId: partyIdFromPublicKey(intermediary.publicKey), intermediaryPublicKey: intermediary.publicKey, verifier: nodeEd25519, nowMs: Date.now(),
  });
  t.match(credential, { name: 'erin', technicianPublicKey: fromHex(technicianPublicKey) });
  t.ok(credential.expiresS - credential.notBeforeS > 6 * 86_400);
  t.match(issued.err, [/^credential for "erin" of intermediary [0-9a-f]{16}, valid until /]);

  writeFileSync(join(dir, 'tag.bin'), type2Tag(ndef));
  const show = io();
  t.equal(await runPairCommand(['show', '--ndef', join(dir, 'tag.bin')], show.io), 0);
  t.same(JSON.parse(show.out[0]!), { meterId: payload.meterId, staticKey: toHex(payload.staticKey), setupCode: formatSetupCode(payload.setupCode), nfc: true, ble: true });
  const damaged = io();
  t.equal(await runPairCommand(['show', '--qr', `${encodeOnboardingText(payload).slice(0, -1)}A`], damaged.io), 1);
  t.match(damaged.err, [/^wattledger-pair: BAD_ONBOARDING: the onboarding code is damaged or mis-scanned/]);
});

t.test('usage errors exit 2 with the usage', async (t) => {
  for (const argv of [[], ['--registrar', 'http://x'], ['show'], ['credential'], ['--bogus'], ['--registrar', 'u', '--credential', 'c', '--key', 'k', '--role', 'wizard:1']]) {
    const run = io();
    t.equal(await runPairCommand(argv, run.io), 2, argv.join(' ') || '(no arguments)');
    t.match(run.err.join('\n'), /usage:\n {2}wattledger-pair/);
  }
  t.same(parseRole('producer:wind'), { kind: 'producer', productionMethod: 2 });
  t.same(parseRole('producer:1'), { kind: 'producer', productionMethod: 1 });
  t.same(parseRole('consumer:aabbccddeeff0011'), { kind: 'consumer', userId: 'aabbccddeeff0011' });
});
