import { readFileSync } from 'node:fs';

// The flush's part of docs/operations.md, read by the flush tests (and the flush bench) so that the
// documented statements and mappings are the ones tested.

/** The CREATE TABLE statements of the flush section of docs/operations.md (the stats tables). */
export function documentedSchema(): string {
  const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Stats back to the site (flush)'));
  const sql = /```sql\n([\s\S]*?)```/.exec(section);
  if (!sql) throw new Error('docs/operations.md: no sql block in the flush section');
  return sql[1]!;
}

const doc = (): string => {
  const text = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  const from = text.indexOf('### History, peers and snatches');
  if (from < 0) throw new Error('docs/operations.md: no "History, peers and snatches" section');
  return text.slice(from, text.indexOf('\n### ', from + 1));
};

/** The part of the section under `heading` ("" = before the first ####), up to the next heading. */
function part(heading: string): string {
  const section = doc();
  if (heading === '') return section.slice(0, section.indexOf('\n#### '));
  const from = section.indexOf(`#### ${heading}`);
  if (from < 0) throw new Error(`docs/operations.md: no "#### ${heading}"`);
  const next = section.indexOf('\n#### ', from + 1);
  return section.slice(from, next < 0 ? undefined : next);
}

const block = (text: string, lang: string): string => {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text);
  if (!m) throw new Error(`docs/operations.md: no ${lang} block`);
  return m[1]!;
};

export interface SiteMapping {
  /** The CREATE TABLE (and ALTER) statements. */
  schema: string;
  /** The `sql.flush` fields of its config block. */
  flush: Record<string, unknown>;
}

/** mika's default tables (""), or a mapping by its heading's first word ("Gazelle", "UNIT3D"). */
export function siteMapping(heading: '' | 'Gazelle' | 'UNIT3D'): SiteMapping {
  const text = part(heading);
  return { schema: block(text, 'sql'), flush: (JSON.parse(`{${block(text, 'json')}}`) as { flush: Record<string, unknown> }).flush };
}
