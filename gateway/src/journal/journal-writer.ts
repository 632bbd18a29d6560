/**
 * The journal writer thread: performs the group commits (and the forwarder's state updates)
 * on its own SQLite connection, so that the main thread keeps parsing and verifying while a
 * commit waits for fsync (synchronous=FULL). Started through journal-writer.mjs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ForwardOutcome } from './journal.js';
import { Journal } from './journal.js';
import { unpackEntries } from './entry-codec.js';

export type WriterRequest =
  | { readonly id: number; readonly kind: 'append'; readonly packed: Uint8Array }
  | { readonly id: number; readonly kind: 'forwarded'; readonly outcomes: readonly ForwardOutcome[] }
  | { readonly id: number; readonly kind: 'close' };

export type WriterResponse = { readonly id: number; readonly error?: string };

const port = parentPort;
if (port === null) throw new Error('journal-writer.ts must run in a worker thread');
const journal = new Journal((workerData as { dataDir: string }).dataDir);

port.on('message', (request: WriterRequest) => {
  try {
    if (request.kind === 'append') journal.append(unpackEntries(request.packed));
    else if (request.kind === 'forwarded') journal.recordForwarded(request.outcomes);
    else journal.close();
    port.postMessage({ id: request.id } satisfies WriterResponse);
  } catch (error) {
    port.postMessage({ id: request.id, error: (error as Error).message } satisfies WriterResponse);
  }
});
port.postMessage({ ready: true });
