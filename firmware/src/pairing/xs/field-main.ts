/**
 * Device entry of a pairable meter on Moddable XS (ESP32 class): the FieldMeter (metering
 * runtime + commissioning shell + staged provisioning) with the BLE GATT pairing radio. An
 * unprovisioned meter opens its commissioning window at boot; `config.pairingButtonPin`
 * (ECMA-419 Digital input, active low) opens it again. `config.provisioning`, when present,
 * is the factory / test path written at first boot. Bundled as dist/xs/pairing/main.js.
 */
import config from 'mc/config';
import Digital from 'embedded:io/digital';
import { expandedKeyEd25519 } from '../../crypto/ed25519-expanded-key.js';
import { parseProvisioning } from '../../core/provisioning.js';
import { hardwareRandom } from '../../platform/xs/hw-random.js';
import { moddableMqttNetwork } from '../../platform/xs/mqtt-client-network.js';
import { PreferenceStorage } from '../../platform/xs/preference-storage.js';
import { attachS0Input } from '../../platform/xs/s0-input.js';
import { SntpClock } from '../../platform/xs/sntp-clock.js';
import { ensurePairingIdentity } from '../pairing-records.js';
import { FieldMeter } from '../field-meter.js';
import { BleGattRadio } from './ble-gatt-radio.js';

declare const trace: (message: string) => void;

const storage = new PreferenceStorage({ partition: String(config.queuePartition ?? 'wlqueue') });
const identity = ensurePairingIdentity(storage, hardwareRandom, expandedKeyEd25519);
const meter = new FieldMeter(
  {
    clock: new SntpClock(String(config.sntp ?? 'pool.ntp.org')),
    storage,
    source: attachS0Input(Number(config.s0Pin ?? 4), { impulsesPerKWh: Number(config.impulsesPerKWh ?? 1000), direction: config.direction === 'import' ? 'import' : 'export' }),
    network: moddableMqttNetwork,
    random: hardwareRandom,
    ed25519: expandedKeyEd25519,
    radio: new BleGattRadio(identity.onboarding.meterId),
  },
  {
    ...(config.provisioning === undefined ? {} : { provisioning: parseProvisioning(config.provisioning) }),
    queueCapacity: Math.min(2048, storage.capacity()),
    log: (level, message) => trace(`${level} ${message}\n`),
  },
);
if (config.pairingButtonPin !== undefined) {
  new Digital({ pin: Number(config.pairingButtonPin), mode: Digital.InputPullUp, edge: Digital.Falling, onReadable: () => meter.pressButton() });
}
trace(`wattledger meter ${meter.meterId} (pairable over BLE)\n`);
meter.start();
