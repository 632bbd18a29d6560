#!/usr/bin/env node
// The firmware package runs from TypeScript sources (no build step): load them through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
