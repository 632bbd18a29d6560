/**
 * Pairing frames over a radio: one contract, two adapters.
 *
 *  - NFC: each frame is one NDEF message holding one media-type record of type
 *    `application/vnd.wattledger.pair`, chunked (NDEF §3.2.3) when the tag or reader buffer is
 *    small; the link carries a byte stream that may split or join messages anywhere.
 *  - BLE: each frame is a run of GATT attribute values of at most ATT_MTU - 3 bytes.
 *
 * A `FrameDecoder` is fed the link's units (stream pieces or attribute values) and returns
 * whole frames and framing errors; it never throws on peer input.
 */
import { utf8 } from '../../bytes.js';
import { PairingErrorCode } from '../errors.js';
import { MAX_PAIRING_FRAME_BYTES } from '../frame.js';
import { BLE_MIN_ATT_MTU, BleReassembler, chunkFrame } from './ble.js';
import { encodeNdefMessage, NdefParser, ndefRecord, Tnf } from './ndef.js';

export const PAIRING_NDEF_TYPE = 'application/vnd.wattledger.pair';

export interface FramingOutput {
  readonly frames: Uint8Array[];
  readonly errors: Array<{ readonly code: PairingErrorCode; readonly reason: string }>;
}

export interface FrameDecoder {
  push(unit: Uint8Array): FramingOutput;
  reset(): void;
}

export interface Framing {
  readonly name: 'ndef' | 'ble';
  /** Units to put on the link for one frame, in order. */
  encode(frame: Uint8Array): Uint8Array[];
  decoder(): FrameDecoder;
}

export function ndefFraming(options: { maxChunkPayload?: number } = {}): Framing {
  const type = utf8(PAIRING_NDEF_TYPE);
  return Object.freeze({
    name: 'ndef' as const,
    encode(frame: Uint8Array): Uint8Array[] {
      return [encodeNdefMessage([ndefRecord(Tnf.MEDIA_TYPE, type, frame)], options)];
    },
    decoder(): FrameDecoder {
      const parser = new NdefParser({ maxMessageBytes: MAX_PAIRING_FRAME_BYTES });
      return {
        push(unit: Uint8Array): FramingOutput {
          const out: FramingOutput = { frames: [], errors: [] };
          for (const event of parser.push(unit)) {
            if (event.type === 'error') {
              out.errors.push({ code: PairingErrorCode[event.code], reason: event.reason });
              continue;
            }
            const [record, ...others] = event.records;
            const ours = record !== undefined && others.length === 0 && record.tnf === Tnf.MEDIA_TYPE && String.fromCharCode(...record.type).toLowerCase() === PAIRING_NDEF_TYPE;
            if (ours) out.frames.push(record.payload);
            else out.errors.push({ code: PairingErrorCode.BAD_FRAME, reason: `NDEF message is not one ${PAIRING_NDEF_TYPE} record` });
          }
          return out;
        },
        reset: () => parser.reset(),
      };
    },
  });
}

export function bleFraming(attMtu: number = BLE_MIN_ATT_MTU): Framing {
  chunkFrame(new Uint8Array(1), attMtu);
  return Object.freeze({
    name: 'ble' as const,
    encode: (frame: Uint8Array) => chunkFrame(frame, attMtu),
    decoder(): FrameDecoder {
      const reassembler = new BleReassembler({ maxFrameBytes: MAX_PAIRING_FRAME_BYTES });
      return {
        push(unit: Uint8Array): FramingOutput {
          const out: FramingOutput = { frames: [], errors: [] };
          for (const event of reassembler.push(unit)) {
            if (event.type === 'frame') out.frames.push(event.bytes);
            else out.errors.push({ code: PairingErrorCode[event.code], reason: event.reason });
          }
          return out;
        },
        reset: () => reassembler.reset(),
      };
    },
  });
}
