#!/usr/bin/env node
// Entry point of the wattledger-pair command (the technician's pairing tool): loads the
// TypeScript sources through tsx and runs src/pairing/technician/pair-command.ts.
import { register } from 'tsx/esm/api';

register();
const { runPairCommand } = await import('../src/pairing/technician/pair-command.ts');
runPairCommand(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error) => {
    process.stderr.write(`wattledger-pair: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
