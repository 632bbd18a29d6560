/**
 * The gateway's side of the reading contract, reduced to what the firmware tests need:
 * verify the signature, accept readings that extend the meter's hash chain, ignore
 * duplicates, and ack the highest sequence number of the unbroken chain.
 */
import { chainLinks, decodeSignedReadings, equalBytes, readingHash, toHex, verifySignedReadings, ZERO_HASH, type IntervalReading } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';

export interface ChainGatewayResult {
  /** Highest sequence number of the unbroken chain, to ack (undefined before the first reading). */
  readonly ack: number | undefined;
  readonly accepted: number;
  readonly duplicates: number;
  readonly gap: boolean;
}

export class ChainGateway {
  readonly readings: IntervalReading[] = [];
  readonly messages: Array<{ readonly count: number; readonly bytes: number }> = [];
  private readonly hashes = new Map<number, string>();

  constructor(readonly publicKey: Uint8Array) {}

  tip(): IntervalReading | undefined {
    return this.readings[this.readings.length - 1];
  }

  /** Processes one readings message; throws on a bad signature or a reused sequence number. */
  receive(bytes: Uint8Array): ChainGatewayResult {
    const signed = decodeSignedReadings(bytes);
    verifySignedReadings(signed, this.publicKey, nodeEd25519);
    this.messages.push({ count: signed.readings.length, bytes: bytes.length });
    let accepted = 0;
    let duplicates = 0;
    let gap = false;
    for (const reading of signed.readings) {
      const hash = toHex(readingHash(reading));
      const seen = this.hashes.get(reading.seq);
      if (seen !== undefined) {
        if (seen !== hash) throw new Error(`sequence number ${reading.seq} reused for a different reading`);
        duplicates++;
        continue;
      }
      const tip = this.tip();
      const links = tip === undefined ? equalBytes(reading.prevHash, ZERO_HASH) : chainLinks(tip, reading);
      if (!links) {
        gap = true;
        break;
      }
      this.readings.push(reading);
      this.hashes.set(reading.seq, hash);
      accepted++;
    }
    return { ack: this.tip()?.seq, accepted, duplicates, gap };
  }
}
