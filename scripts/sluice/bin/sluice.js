#!/usr/bin/env node
'use strict';
// `npx sluice ...` from a clone: npm runs the root package's own bin when the command is the
// package's name. The CLI is TypeScript like the other scripts, so it runs through tsx, which
// resolves the repository's path aliases from its tsconfig wherever the command is started.
const { join } = require('node:path');

process.env.TSX_TSCONFIG_PATH ??= join(__dirname, '..', '..', '..', 'tsconfig.json');
require('tsx/cjs/api').register();
require('../sluice.ts');
