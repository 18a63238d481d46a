// What the embedded store keeps in its data folder (store.path). No lmdb import here: the start-up
// line and the docs name these files without loading the native module.

/** The LMDB file with every record (LMDB keeps its reader table beside it, in mika.mdb-lock). */
export const DATA_FILE = 'mika.mdb';
/** The pid of the process serving from the folder. */
export const LOCK_FILE = 'mika.lock';
