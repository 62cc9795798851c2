#!/usr/bin/env node
// The `geminiflow` command: the library's program with the example app's `demo` and `stack` (example/cli). In the
// repository it runs the TypeScript sources (through tsx, a dev dependency); in an installed package the compiled dist/.

const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '..', 'example', 'cli.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs/api').register();
  require(source);
} else {
  require(path.join(__dirname, '..', 'dist', 'example', 'cli.js'));
}
