#!/usr/bin/env node
// Entry point of the ledger-node command: loads the TypeScript sources through tsx (the
// repository has no build step) and runs src/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main, reportError } = await import('../src/cli.ts');
main(process.argv.slice(2)).then(
  (status) => {
    if (status >= 0) process.exit(status);
  },
  (error) => process.exit(reportError(error)),
);
