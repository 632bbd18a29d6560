/** Drives the pure IEC 62056-21 mode E opening (ModeEOpening) on a serial transport. */
import { ModeEOpening, type MeterIdentification, type ModeEEffect, type ModeEOptions } from '@wattledger/protocol/dlms';
import type { ByteTransport } from './transport.js';

export interface ModeEOpenOptions extends ModeEOptions {
  /** Pause after the switch before HDLC starts, for meters slow to change rate. */
  readonly settleMs?: number;
}

export function openModeE(transport: ByteTransport, options: ModeEOpenOptions = {}): Promise<MeterIdentification> {
  if (transport.reconfigure === undefined) return Promise.reject(new TypeError(`mode E needs a serial transport, not ${transport.name}`));
  const opening = new ModeEOpening(options);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopListening = false;
  return new Promise<MeterIdentification>((resolve, reject) => {
    // Effects run one after another: a line reconfiguration must finish before the next write.
    let chain = Promise.resolve();
    const run = (effects: ModeEEffect[]): void => {
      chain = chain.then(async () => {
        for (const effect of effects) {
          switch (effect.type) {
            case 'configure':
              await transport.reconfigure!({ baudRate: effect.baudRate, dataBits: effect.dataBits, parity: effect.parity });
              break;
            case 'send':
              await transport.write(effect.bytes);
              if (opening.phase === 'selecting') {
                await transport.drain();
                run(opening.sent());
              }
              break;
            case 'timer':
              clearTimeout(timer);
              timer = setTimeout(() => run(opening.timeout()), effect.ms);
              break;
            case 'cancel-timer':
              clearTimeout(timer);
              break;
            case 'opened':
              stopListening = true;
              if (options.settleMs) await new Promise((r) => setTimeout(r, options.settleMs));
              resolve(effect.identification);
              break;
            case 'error':
              stopListening = true;
              clearTimeout(timer);
              reject(effect.error);
              break;
          }
        }
      }).catch((error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    };
    transport.onData((bytes) => {
      if (!stopListening) run(opening.receive(bytes));
    });
    run(opening.start());
  });
}
