/**
 * esbuild bundle of the pairable device program (pairing/xs/field-main.ts), built beside the
 * file-provisioned one (platform/xs/main.ts) because pairing does not fit the 64 KB budget of
 * the main bundle: Noise (X25519, ChaCha20-Poly1305, HKDF), NDEF and BLE framing, the
 * responder and the FieldMeter add about 30 KB minified. Node only (the build).
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { cborLitePlugin, MODDABLE_MODULES, protocolTreeShakePlugin, type DeviceBundle } from '../platform/node/xs-bundle.js';

export const PAIRING_DEVICE_ENTRY = fileURLToPath(new URL('./xs/field-main.ts', import.meta.url));
/** Moddable BLE modules the pairing radio imports (on the device). */
export const MODDABLE_BLE_MODULES: ReadonlyArray<string> = Object.freeze(['bleserver', 'gap', 'btutils']);

export async function bundlePairingDevice(options: { minify?: boolean } = {}): Promise<DeviceBundle> {
  const result = await build({
    entryPoints: [PAIRING_DEVICE_ENTRY], bundle: true, platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', write: false, legalComments: 'none',
    format: 'esm', minify: options.minify ?? true, external: [...MODDABLE_MODULES, ...MODDABLE_BLE_MODULES], metafile: true, plugins: [cborLitePlugin, protocolTreeShakePlugin],
  });
  const code = result.outputFiles![0]!.text;
  const output = Object.values(result.metafile!.outputs)[0]!;
  const inputs = Object.entries(output.inputs).map(([file, info]) => [file, info.bytesInOutput] as const).sort((a, b) => b[1] - a[1]);
  return { code, bytes: Buffer.byteLength(code), inputs };
}
