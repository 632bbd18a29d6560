// Bundled by the firmware benchmark (bench/src/benches/firmware.ts) and evaluated inside the
// XS engine: times build + sign + enqueue with the engine's own clock, emits one JSON line.
import { expandedKeyEd25519 } from '../crypto/ed25519-expanded-key.js';
import { measureBuildSignEnqueue } from './build-sign-enqueue.js';

declare const issueCommand: (message: ArrayBuffer) => void;
const result = measureBuildSignEnqueue(expandedKeyEd25519, () => Date.now(), 7, 48);
issueCommand(new TextEncoder().encode(JSON.stringify(result)).buffer as ArrayBuffer);
