// Writes config.json.dist and the field table in docs/config.md from the config schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable, distConfig } from '../src/config/documented.js';

const root = new URL('..', import.meta.url).pathname;
writeFileSync(`${root}config.json.dist`, distConfig());
const docPath = `${root}docs/config.md`;
const doc = readFileSync(docPath, 'utf8');
const start = '<!-- fields:start -->';
const end = '<!-- fields:end -->';
const next = doc.replace(new RegExp(`${start}[\\s\\S]*${end}`), () => `${start}\n${configTable()}\n${end}`);
writeFileSync(docPath, next);
