#!/usr/bin/env node
import { execute } from '@oclif/core';
import { goStyleArgv } from '../dist/src/cli/argv.js';

await execute({ dir: import.meta.url, args: goStyleArgv(process.argv.slice(2)) });
