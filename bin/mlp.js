#!/usr/bin/env node
'use strict';
// Entry point of the `mlp` command; the TypeScript sources are compiled to build/ by `npm run build`
// (run by `npm ci` through the prepare script).
const { main } = require('../build/cli/mlp.js');
process.exitCode = main(process.argv.slice(2));
