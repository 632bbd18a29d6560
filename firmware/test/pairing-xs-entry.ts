// Bundled by test/pairing-xs.test.ts and evaluated inside the XS engine.
import { expandedKeyEd25519 } from '../src/crypto/ed25519-expanded-key.js';
import { runPairingScenario } from './pairing-xs-scenario.js';

declare const issueCommand: (message: ArrayBuffer) => void;
for (const line of runPairingScenario(expandedKeyEd25519)) issueCommand(new TextEncoder().encode(line).buffer as ArrayBuffer);
