/**
 * NFC through a PC/SC reader with nfc-pcsc (optional).
 *
 *  - Onboarding: reads the NDEF message of the meter's NFC Forum Type 2 tag (READ of 4-byte
 *    blocks from block 0; onboarding-input.ts parses the TLVs).
 *  - Pairing link: the meter's NFC front end in ISO/IEC 14443-4 card emulation, selected by
 *    our proprietary AID (ISO/IEC 7816-4 §8.2.1.2, category F). The reader is the master, so
 *    each unit of the NDEF stream travels in an APDU and the meter's units come back in the
 *    response data:
 *        SELECT   00 A4 04 00 Lc <AID> 00                  -> 90 00
 *        EXCHANGE 80 10 00 00 Lc <up to 250 stream bytes> 00 -> <meter stream bytes> 90 00
 *    An EXCHANGE with no data polls for the meter's pending bytes.
 */
import { loadOptional, RadioUnavailableError } from './optional-module.js';
import type { PairingLink, PairingLinkReceiver } from './pairing-link.js';

export const PAIRING_AID = Uint8Array.of(0xf0, 0x57, 0x4c, 0x50, 0x41, 0x49, 0x52); // F0 'WLPAIR'
const MAX_APDU_DATA = 250;
const POLL_MS = 50;
const SW_OK = 0x9000;

interface PcscReader {
  readonly name: string;
  autoProcessing: boolean;
  on(event: 'card', listener: (card: { atr?: Buffer }) => void): void;
  on(event: 'card.off' | 'end', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  transmit(data: Buffer, responseMaxLength: number): Promise<Buffer>;
  read(blockNumber: number, length: number, blockSize?: number): Promise<Buffer>;
  close(): void;
}

interface NfcModule {
  NFC: new () => { on(event: 'reader', listener: (reader: PcscReader) => void): void; on(event: 'error', listener: (error: Error) => void): void; close(): void };
}

async function waitForCard(importer: ((specifier: string) => Promise<unknown>) | undefined, timeoutMs: number): Promise<{ reader: PcscReader; done: () => void }> {
  const { NFC } = await loadOptional<NfcModule>('nfc-pcsc', 'NFC', importer);
  const nfc = new NFC();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      nfc.close();
      reject(new RadioUnavailableError(`NFC: no reader or no meter on a PC/SC reader within ${timeoutMs / 1000} s: connect a reader and hold it on the meter`));
    }, timeoutMs);
    nfc.on('error', (error) => {
      clearTimeout(timer);
      reject(new RadioUnavailableError(`NFC: PC/SC failed: ${error.message} (is pcscd running?)`));
    });
    nfc.on('reader', (reader) => {
      reader.autoProcessing = false;
      reader.on('error', () => {});
      reader.on('card', () => {
        clearTimeout(timer);
        resolve({ reader, done: () => nfc.close() });
      });
    });
  });
}

/** The memory of the Type 2 tag under the reader (first 64 bytes of blocks, then as long as the TLV says). */
export async function readNfcTag(options: { timeoutMs?: number; importer?: (specifier: string) => Promise<unknown> } = {}): Promise<Uint8Array> {
  const { reader, done } = await waitForCard(options.importer, options.timeoutMs ?? 20_000);
  try {
    return new Uint8Array(await reader.read(0, 256, 4));
  } finally {
    done();
  }
}

function statusWord(response: Buffer): number {
  return response.length < 2 ? 0 : (response[response.length - 2]! << 8) | response[response.length - 1]!;
}

export async function openNfcLink(options: { timeoutMs?: number; importer?: (specifier: string) => Promise<unknown> } = {}): Promise<PairingLink> {
  const { reader, done } = await waitForCard(options.importer, options.timeoutMs ?? 20_000);
  const select = await reader.transmit(Buffer.from([0x00, 0xa4, 0x04, 0x00, PAIRING_AID.length, ...PAIRING_AID, 0x00]), 258);
  if (statusWord(select) !== SW_OK) {
    done();
    throw new RadioUnavailableError(`NFC: the card on the reader is not a wattledger meter in pairing mode (SELECT answered ${statusWord(select).toString(16)})`);
  }
  let receiver: PairingLinkReceiver | undefined;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  const end = (reason: string): void => {
    if (closed) return;
    closed = true;
    clearInterval(poller);
    done();
    receiver?.onClose(reason);
  };
  const exchange = (data: Uint8Array): Promise<void> => {
    chain = chain.then(async () => {
      if (closed) return;
      const apdu = Buffer.from([0x80, 0x10, 0x00, 0x00, ...(data.length > 0 ? [data.length, ...data] : []), 0x00]);
      let response: Buffer;
      try {
        response = await reader.transmit(apdu, 258);
      } catch (error) {
        return end(`the NFC link broke: ${(error as Error).message}`);
      }
      if (statusWord(response) !== SW_OK) return end(`the meter answered ${statusWord(response).toString(16)}`);
      if (response.length > 2) receiver?.onUnit(new Uint8Array(response.subarray(0, response.length - 2)));
    });
    return chain;
  };
  const poller = setInterval(() => void exchange(new Uint8Array(0)), POLL_MS);
  reader.on('card.off', () => end('the meter left the reader field'));
  return {
    transport: 'nfc',
    send: async (unit) => {
      for (let i = 0; i < unit.length; i += MAX_APDU_DATA) await exchange(unit.subarray(i, i + MAX_APDU_DATA));
    },
    setReceiver: (r) => {
      receiver = r;
    },
    close: () => end('the tool ended the NFC link'),
  };
}
