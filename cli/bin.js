#!/usr/bin/env node
// The `geminiflow` command. In the repository it runs the TypeScript sources (through tsx, a dev dependency); in an
// installed package it runs the compiled dist/.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, 'main.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs/api').register();
  require(source);
} else {
  require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
}
