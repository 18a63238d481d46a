/** The `event` of an announce; '' (regular update) when absent or empty. */
export type AnnounceEvent = '' | 'started' | 'stopped' | 'completed' | 'paused';

export const ANNOUNCE_EVENTS: ReadonlySet<string> = new Set(['', 'started', 'stopped', 'completed', 'paused']);
