/**
 * `npm start`: the end-to-end demo. Until the gateway lands this shows what runs today:
 * a simulated producer meter signs a day of 30-min readings, which are verified again
 * with node:crypto and checked as one hash chain.
 */
import { ZERO_HASH, chainLinks, decodeSignedReadings, meterIdFromPublicKey, nobleEd25519, readingHash, signReadings, verifySignedReadings, type IntervalReading } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';

const signer = nobleEd25519.signer(crypto.getRandomValues(new Uint8Array(32)));
const meterId = meterIdFromPublicKey(signer.publicKey);
const dayStart = Math.floor(Date.now() / 1000 / 86400) * 86400;
let prevHash = ZERO_HASH;
const messages: Uint8Array[] = [];
for (let i = 0; i < 48; i++) {
  const hour = (i * 30) / 60;
  const solarWh = hour > 6 && hour < 18 ? Math.round(2500 * Math.sin(((hour - 6) / 12) * Math.PI)) : 0;
  const reading: IntervalReading = { version: 1, meterId, seq: i + 1, intervalStart: dayStart + i * 1800, intervalLength: 1800, importedWh: 0, exportedWh: solarWh, flags: 0, productionMethod: 1, prevHash };
  prevHash = readingHash(reading);
  messages.push(signReadings(reading, signer));
}
let previous: IntervalReading | undefined;
let totalWh = 0;
for (const bytes of messages) {
  const signed = decodeSignedReadings(bytes);
  verifySignedReadings(signed, signer.publicKey, nodeEd25519);
  const reading = signed.readings[0]!;
  if (previous && !chainLinks(previous, reading)) throw new Error(`chain broken at seq ${reading.seq}`);
  previous = reading;
  totalWh += reading.exportedWh;
}
process.stdout.write(`meter ${meterId}: 48 signed readings (${messages[20]!.length} bytes each), verified and chained; ${(totalWh / 1000).toFixed(1)} kWh of solar.\n`);
process.stdout.write('The full demo (gateway, ledger, allocation, certificate) arrives with the gateway.\n');
