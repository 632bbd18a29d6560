/**
 * `npm run build -w firmware`: the Moddable XS build inputs under dist/xs/: the bundled
 * meter program (main.js: ESM, es2022, minified), manifest.json, the partition table and
 * the native hardware-random module. Prints the bundle size against the 64 KB budget.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleDevice } from '../src/platform/node/xs-bundle.js';
import { bundlePairingDevice } from '../src/pairing/xs-pairing-bundle.js';

const BUDGET = 64 * 1024;
const out = fileURLToPath(new URL('../dist/xs/', import.meta.url));
const xs = fileURLToPath(new URL('../src/platform/xs/', import.meta.url));

mkdirSync(out, { recursive: true });
const bundle = await bundleDevice();
writeFileSync(`${out}main.js`, bundle.code);
for (const file of ['manifest.json', 'partitions.csv', 'hw-random-native.js', 'hw-random-native.c']) copyFileSync(`${xs}${file}`, `${out}${file}`);
const verdict = bundle.bytes <= BUDGET ? 'within' : 'OVER';
process.stdout.write(`firmware/dist/xs/main.js: ${bundle.bytes} bytes minified (${(bundle.bytes / 1024).toFixed(1)} KB), ${verdict} the 64 KB budget\n`);
for (const [file, bytes] of bundle.inputs.slice(0, 8)) process.stdout.write(`  ${String(bytes).padStart(6)}  ${file}\n`);
if (bundle.bytes > BUDGET) process.exitCode = 1;

// The pairable program (metering + BLE field pairing) does not fit the budget: a separate bundle.
const pairing = await bundlePairingDevice();
const pairingOut = `${out}pairing/`;
const pairingSrc = fileURLToPath(new URL('../src/pairing/xs/', import.meta.url));
mkdirSync(`${pairingOut}bleservices`, { recursive: true });
writeFileSync(`${pairingOut}main.js`, pairing.code);
copyFileSync(`${pairingSrc}manifest.json`, `${pairingOut}manifest.json`);
copyFileSync(`${pairingSrc}bleservices/pairing.json`, `${pairingOut}bleservices/pairing.json`);
for (const file of ['partitions.csv', 'hw-random-native.js', 'hw-random-native.c']) copyFileSync(`${xs}${file}`, `${pairingOut}${file}`);
process.stdout.write(`firmware/dist/xs/pairing/main.js: ${pairing.bytes} bytes minified (${(pairing.bytes / 1024).toFixed(1)} KB), the pairable program as a separate bundle: pairing adds ${pairing.bytes - bundle.bytes} bytes to main.js\n`);
