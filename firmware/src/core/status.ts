/**
 * Status payloads on `wl/v1/meters/{id}/status` (retained): UTF-8 JSON
 * `{"state":"online","fw":"x.y.z"}` once connected, and the bare string `offline` as the
 * last will (MQTT 3.1.1 §3.1.2.5) and on a graceful stop.
 */
import { utf8 } from '@wattledger/protocol';

export const FIRMWARE_VERSION = '0.1.0';

export function onlineStatus(firmwareVersion: string = FIRMWARE_VERSION): Uint8Array {
  return utf8(JSON.stringify({ state: 'online', fw: firmwareVersion }));
}

export const OFFLINE_STATUS: Uint8Array = utf8('offline');
