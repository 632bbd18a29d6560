/**
 * `readings`: build+sign and decode+verify throughput of signed interval readings on one
 * core, with the portable signer (@noble/ed25519, what firmware runs) and with node:crypto
 * (what the gateway and ledger run), plus the bytes on the wire, single and batched (48).
 * Judged by: bytesPerReading <= 160, and verifyNodePerS / verifyNoblePerS (several times).
 */
import {
  ZERO_HASH, decodeSignedReadings, meterIdFromPublicKey, nobleEd25519, readingHash, signReadings, verifySignedReadings,
  type Ed25519Provider, type IntervalReading,
} from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { opsPerSecond, type BenchReport } from '../report.js';

const BATCH = 48;

function readingsFor(meterId: string, count: number): IntervalReading[] {
  const out: IntervalReading[] = [];
  let prevHash = ZERO_HASH;
  for (let i = 0; i < count; i++) {
    const r: IntervalReading = {
      version: 1, meterId, seq: 100_000 + i, intervalStart: 1_790_000_000 - (1_790_000_000 % 1800) + i * 1800, intervalLength: 1800,
      importedWh: 12 + (i % 7), exportedWh: 2_345 + i, flags: 0, productionMethod: 1, prevHash,
    };
    prevHash = readingHash(r);
    out.push(r);
  }
  return out;
}

function measure(provider: Ed25519Provider, ms: number): { sign: number; verify: number } {
  const signer = provider.signer(new Uint8Array(32).fill(11));
  const meterId = meterIdFromPublicKey(signer.publicKey);
  const base = readingsFor(meterId, 1)[0]!;
  let seq = 0;
  const sign = opsPerSecond(() => {
    signReadings({ ...base, seq: seq++ }, signer);
  }, ms, 16);
  const signed = signReadings(base, signer);
  const verify = opsPerSecond(() => {
    verifySignedReadings(decodeSignedReadings(signed), signer.publicKey, provider);
  }, ms, 16);
  return { sign, verify };
}

export default async function readings(args: string[]): Promise<BenchReport> {
  const ms = Number(args[0] ?? 1500);
  const noble = measure(nobleEd25519, ms);
  const node = measure(nodeEd25519, ms);
  const signer = nodeEd25519.signer(new Uint8Array(32).fill(11));
  const meterId = meterIdFromPublicKey(signer.publicKey);
  const worst: IntervalReading = { ...readingsFor(meterId, 1)[0]!, seq: 0xffffffff, importedWh: 0xffffffff, exportedWh: 0xffffffff, flags: 63, productionMethod: 11 };
  const typical = signReadings(readingsFor(meterId, 1)[0]!, signer).length;
  const worstBytes = signReadings(worst, signer).length;
  const batched = signReadings(readingsFor(meterId, BATCH), signer).length / BATCH;
  const verifyRatio = node.verify / noble.verify;
  return {
    name: 'readings',
    judgedBy: 'bytesPerReading <= 160; verifyNodePerS / verifyNoblePerS several times (one core)',
    rows: [
      { metric: 'build+sign, noble', value: noble.sign, unit: 'readings/s' },
      { metric: 'build+sign, node:crypto', value: node.sign, unit: 'readings/s' },
      { metric: 'decode+verify, noble', value: noble.verify, unit: 'readings/s' },
      { metric: 'decode+verify, node:crypto', value: node.verify, unit: 'readings/s', note: `${verifyRatio.toFixed(1)}x noble` },
      { metric: 'signed reading (typical)', value: typical, unit: 'bytes' },
      { metric: 'signed reading (worst case)', value: worstBytes, unit: 'bytes', note: 'budget 160' },
      { metric: `batched, per reading (${BATCH})`, value: batched, unit: 'bytes' },
    ],
    figures: {
      signNoblePerS: Math.round(noble.sign), signNodePerS: Math.round(node.sign),
      verifyNoblePerS: Math.round(noble.verify), verifyNodePerS: Math.round(node.verify),
      verifyNodeOverNoble: Number(verifyRatio.toFixed(2)),
      bytesPerReading: worstBytes, bytesPerReadingTypical: typical, bytesPerReadingBatched: Number(batched.toFixed(1)),
    },
  };
}
