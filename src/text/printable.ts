// Text from the registry (torrent and user names, client names) comes from the site's database and
// often from its users. Written raw to a terminal, its control characters are commands: ESC ] 0 ;
// retitles the window, ESC [ recolours or moves the cursor, BEL rings, and the bidirectional
// overrides reorder what the operator reads. Everything that prints such text to a terminal passes
// it through `printable` first.

// C0 controls (tab and newline included: a name is one line), DEL, C1 controls, and the Unicode
// bidirectional marks, embeddings, overrides and isolates.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` without control characters, fit for a terminal. */
export const printable = (text: string): string => text.replace(CONTROL, '');

/** `text` with each control character written as a `\uXXXX` escape: for values whose every byte matters (a peer_id prefix). */
export const escapedControls = (text: string): string => text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
