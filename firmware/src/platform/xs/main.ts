/**
 * Device entry on Moddable XS (ESP32 class). Wi-Fi is brought up by Moddable's
 * setup/network before this module runs. Provisioning comes from the manifest's
 * `config.provisioning` (the "config file" until pairing replaces it), the energy from an
 * S0 input on `config.s0Pin` at `config.impulsesPerKWh`.
 */
import config from 'mc/config';
import { expandedKeyEd25519 } from '../../crypto/ed25519-expanded-key.js';
import { parseProvisioning } from '../../core/provisioning.js';
import { Meter } from '../../runtime/meter.js';
import { hardwareRandom } from './hw-random.js';
import { moddableMqttNetwork } from './mqtt-client-network.js';
import { PreferenceStorage } from './preference-storage.js';
import { attachS0Input } from './s0-input.js';
import { SntpClock } from './sntp-clock.js';

declare const trace: (message: string) => void;

const storage = new PreferenceStorage({ partition: String(config.queuePartition ?? 'wlqueue') });
const meter = new Meter(
  {
    clock: new SntpClock(String(config.sntp ?? 'pool.ntp.org')),
    storage,
    source: attachS0Input(Number(config.s0Pin ?? 4), { impulsesPerKWh: Number(config.impulsesPerKWh ?? 1000), direction: config.direction === 'import' ? 'import' : 'export' }),
    network: moddableMqttNetwork,
    random: hardwareRandom,
    ed25519: expandedKeyEd25519,
  },
  {
    provisioning: parseProvisioning(config.provisioning),
    queueCapacity: Math.min(2048, storage.capacity()),
    log: (level, message) => trace(`${level} ${message}\n`),
  },
);
trace(`wattledger meter ${meter.meterId}\n`);
meter.start();
