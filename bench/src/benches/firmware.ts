/**
 * `npm run bench -w bench -- firmware`: the meter's cost per reading (build + sign + enqueue
 * + flush of state, DESIGN §9), on Node and inside the real XS engine with the device
 * bundle's code (cbor-lite, noble Ed25519 with the key expanded once), the device bundle's size and bytes on the wire.
 * Judged by: XS under 5 ms per reading, bundle at most 64 KB, at most 160 bytes per reading.
 * XS time is taken inside the engine with Date.now() over rounds of 48 readings (median of
 * the rounds' means), so process start-up and the host link are not counted.
 */
import { nobleEd25519 } from '@wattledger/protocol';
import { nodeEd25519, runInXs } from '@wattledger/protocol/node';
import { expandedKeyEd25519, measureBuildSignEnqueue, type BuildSignEnqueueResult } from '@wattledger/firmware';
import { bundleDevice, bundleXsScript, XS_BENCH_ENTRY } from '@wattledger/firmware/xs';
import { median, type BenchReport } from '../report.js';

export default async function firmwareBench(): Promise<BenchReport> {
  const node = measureBuildSignEnqueue(expandedKeyEd25519, () => performance.now(), 15, 48);
  const nodeNoble = measureBuildSignEnqueue(nobleEd25519, () => performance.now(), 15, 48);
  const nodeCrypto = measureBuildSignEnqueue(nodeEd25519, () => performance.now(), 15, 48);
  const script = await bundleXsScript(XS_BENCH_ENTRY);
  const run = await runInXs(script, { timeoutMs: 300_000 });
  const xs = JSON.parse(new TextDecoder().decode(run.messages[0])) as BuildSignEnqueueResult;
  const device = await bundleDevice();

  const nodeMs = median(node.msPerReadingByRound);
  const nodeNobleMs = median(nodeNoble.msPerReadingByRound);
  const nodeCryptoMs = median(nodeCrypto.msPerReadingByRound);
  const xsMs = median(xs.msPerReadingByRound);
  return {
    name: 'firmware',
    judgedBy: 'buildSignEnqueueMsXs < 5 ms, bundleBytes <= 65536, bytesPerReading <= 160',
    rows: [
      { metric: 'build+sign+enqueue, XS (device code)', value: xsMs, unit: 'ms/reading', note: `median of ${xs.msPerReadingByRound.length} rounds x 48, budget 5 ms` },
      { metric: 'build+sign+enqueue, Node (device code)', value: nodeMs, unit: 'ms/reading', note: `XS/Node ratio ${(xsMs / nodeMs).toFixed(1)}` },
      { metric: 'build+sign+enqueue, Node (noble sign())', value: nodeNobleMs, unit: 'ms/reading', note: 'key re-expanded per signature' },
      { metric: 'build+sign+enqueue, Node (node:crypto)', value: nodeCryptoMs, unit: 'ms/reading', note: 'as the simulator runs' },
      { metric: 'device bundle (minified ESM)', value: device.bytes, unit: 'bytes', note: 'budget 65536' },
      { metric: 'signed reading on the wire', value: node.bytesPerReading, unit: 'bytes', note: 'budget 160' },
      { metric: 'in a 48-reading batch', value: node.bytesPerReadingBatched, unit: 'bytes/reading', note: 'one signature per batch' },
    ],
    figures: {
      buildSignEnqueueMsNode: round(nodeMs),
      buildSignEnqueueMsXs: round(xsMs),
      buildSignEnqueueMsNodeCrypto: round(nodeCryptoMs),
      buildSignEnqueueMsNodeNoble: round(nodeNobleMs),
      bundleBytes: device.bytes,
      bytesPerReading: node.bytesPerReading,
      bytesPerReadingBatched: round(node.bytesPerReadingBatched),
      xsWithinBudget: xsMs < 5,
      bundleWithinBudget: device.bytes <= 65536,
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
