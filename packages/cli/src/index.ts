// Public entry point of @pitr/cli: the program is `bin.ts`; `main` is exported for tests.
export { main } from './main.js';
