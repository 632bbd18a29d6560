/**
 * esbuild bundles for the XS engine: the device program (ESM, es2022, minified, Moddable
 * modules left as imports) and self-contained scripts for `runInXs` (IIFE), used by the
 * XS tests and the benchmark.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** Modules the Moddable SDK provides on the device. */
export const MODDABLE_MODULES: ReadonlyArray<string> = Object.freeze(['preference', 'flash', 'timer', 'time', 'sntp', 'hw-random', 'mc/config', 'embedded:*']);

export const DEVICE_ENTRY = fileURLToPath(new URL('../xs/main.ts', import.meta.url));
/** Script for `runInXs` that times build + sign + enqueue inside the engine and emits JSON. */
export const XS_BENCH_ENTRY = fileURLToPath(new URL('../../diagnostics/xs-bench-entry.ts', import.meta.url));

export interface DeviceBundle {
  readonly code: string;
  readonly bytes: number;
  /** Bytes per input file, largest first. */
  readonly inputs: ReadonlyArray<readonly [string, number]>;
}

/** Resolves `cbor-x` to the compact codec of the same profile (platform/xs/cbor-lite.ts). */
export const cborLitePlugin: Plugin = {
  name: 'cbor-lite',
  setup(b) {
    const path = fileURLToPath(new URL('../xs/cbor-lite.ts', import.meta.url));
    b.onResolve({ filter: /^cbor-x$/ }, () => ({ path }));
  },
};

const PROTOCOL_SRC = fileURLToPath(new URL('../../../../protocol/src/', import.meta.url));

/**
 * The protocol package is pure, but esbuild cannot prove that its frozen tables have no side
 * effects, so a bundle importing one function would carry every codec (the ledger bodies).
 * This marks protocol modules side-effect free, except the one that configures noble.
 */
export const protocolTreeShakePlugin: Plugin = {
  name: 'protocol-tree-shake',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.kind === 'entry-point') return undefined;
      const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'resolving' });
      if (resolved.errors.length > 0 || !resolved.path.startsWith(PROTOCOL_SRC) || resolved.path.endsWith('ed25519-noble.ts')) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

const neutral: BuildOptions = { bundle: true, platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', write: false, legalComments: 'none' };

export async function bundleDevice(options: { minify?: boolean; plugins?: Plugin[] } = {}): Promise<DeviceBundle> {
  const result = await build({
    ...neutral, entryPoints: [DEVICE_ENTRY], format: 'esm', minify: options.minify ?? true, external: [...MODDABLE_MODULES], metafile: true,
    plugins: options.plugins ?? [cborLitePlugin, protocolTreeShakePlugin],
    // The protocol's canonical fast decoders stay out (protocol/src/decode-options.ts): they save
    // a ledger node microseconds per message, the device decodes a few messages an hour, and
    // the general path gives the same results in ~3 KB less.
    define: { WL_GENERAL_DECODERS: 'true' },
  });
  const code = result.outputFiles![0]!.text;
  const output = Object.values(result.metafile!.outputs)[0]!;
  const inputs = Object.entries(output.inputs).map(([file, info]) => [file, info.bytesInOutput] as const).sort((a, b) => b[1] - a[1]);
  return { code, bytes: Buffer.byteLength(code), inputs };
}

/** A script for `runInXs`: `entry` bundled with everything it imports (with cbor-lite, as on the device, unless `cborX`). */
export async function bundleXsScript(entry: string, options: { cborX?: boolean } = {}): Promise<string> {
  const result = await build({ ...neutral, entryPoints: [entry], format: 'iife', minify: false, plugins: options.cborX ? [protocolTreeShakePlugin] : [cborLitePlugin, protocolTreeShakePlugin] });
  return result.outputFiles![0]!.text;
}
