// Worker threads do not inherit the TypeScript loader of the main thread: register tsx here,
// then load the writer proper.
import { register } from 'tsx/esm/api';

register();
await import('./journal-writer.ts');
