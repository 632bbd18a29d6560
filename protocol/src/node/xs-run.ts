/**
 * Runs a script inside the real Moddable XS engine (the xsnap-worker binary that the npm
 * package @agoric/xsnap builds from Moddable's sources at install) and returns what the
 * script emitted. Used by tests and benchmarks to prove that code bundled for devices runs
 * on XS with the same bytes as on Node.
 *
 * Wire protocol of xsnap-worker (agoric-sdk packages/xsnap/src/xsnap.js): netstrings
 * (`len:payload,`) on fd 3 (to XS) and fd 4 (from XS). We send `e<source>` to evaluate;
 * XS answers `.` (done), `!msg` (uncaught error) or `?payload` (the script called
 * `issueCommand(ArrayBuffer)`), which we answer with `/` (an empty reply).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export class XsUnavailableError extends Error {
  readonly code = 'XS_UNAVAILABLE';
  override readonly name = 'XsUnavailableError';
}

export class XsScriptError extends Error {
  readonly code = 'XS_SCRIPT_ERROR';
  override readonly name = 'XsScriptError';
}

/** Path of the xsnap-worker binary, or an XsUnavailableError saying how to get it. */
export function xsWorkerPath(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@agoric/xsnap');
    return join(dirname(entry), '..', 'xsnap-native', 'xsnap', 'build', 'bin', 'lin', 'release', 'xsnap-worker');
  } catch (cause) {
    throw new XsUnavailableError('the XS engine is not installed: run `npm ci` at the repository root (it builds @agoric/xsnap)', { cause });
  }
}

export interface XsRunResult {
  /** Every payload the script passed to `issueCommand`, in order. */
  messages: Uint8Array[];
  /** Wall time of the evaluation, ms. */
  elapsedMs: number;
}

function netstring(payload: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`${payload.length}:`);
  const out = new Uint8Array(prefix.length + payload.length + 1);
  out.set(prefix, 0);
  out.set(payload, prefix.length);
  out[out.length - 1] = 0x2c;
  return out;
}

/** Evaluates `source` as a script in a fresh XS machine. */
export async function runInXs(source: string, options: { timeoutMs?: number } = {}): Promise<XsRunResult> {
  const bin = xsWorkerPath();
  const child = spawn(bin, ['wattledger-xs'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore'] });
  const toXs = child.stdio[3] as Writable;
  const fromXs = child.stdio[4] as Readable;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (stderr += d.toString()));
  const messages: Uint8Array[] = [];
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 120_000;

  const result = new Promise<XsRunResult>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new XsScriptError(`XS script did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      child.kill();
      if (error) reject(error);
      else resolve({ messages, elapsedMs: performance.now() - started });
    };
    child.on('error', (cause) => finish(new XsUnavailableError(`cannot start ${bin}: ${cause.message}`, { cause })));
    child.on('exit', (code, signal) => finish(new XsScriptError(`xsnap-worker exited (code ${code}, signal ${signal}) ${stderr.trim()}`)));
    fromXs.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const colon = buffer.indexOf(0x3a);
        if (colon < 0) return;
        const length = Number(buffer.subarray(0, colon).toString());
        if (buffer.length < colon + 1 + length + 1) return;
        const message = buffer.subarray(colon + 1, colon + 1 + length);
        buffer = buffer.subarray(colon + 2 + length);
        const kind = message[0];
        if (kind === 0x3f /* ? */) {
          messages.push(new Uint8Array(message.subarray(1)));
          toXs.write(netstring(new TextEncoder().encode('/')));
        } else if (kind === 0x2e /* . */) {
          return finish();
        } else if (kind === 0x21 /* ! */) {
          return finish(new XsScriptError(`uncaught exception in XS: ${message.subarray(1).toString()}`));
        } else {
          return finish(new XsScriptError(`unexpected message from xsnap-worker: ${message.subarray(0, 40).toString()}`));
        }
      }
    });
  });
  toXs.write(netstring(new TextEncoder().encode(`e${source}`)));
  return result;
}
