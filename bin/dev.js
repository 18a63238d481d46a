#!/usr/bin/env -S npx --no-install tsx
import { execute } from '@oclif/core';
import { goStyleArgv } from '../src/cli/argv.ts';

await execute({ development: true, dir: import.meta.url, args: goStyleArgv(process.argv.slice(2)) });
