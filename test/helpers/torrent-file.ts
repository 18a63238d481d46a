import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import bencode from 'bencode';

// A single-file .torrent (BEP 3) made here rather than with transmission-create or mktorrent, so a
// test knows the info_hash before any client runs and gives each user a .torrent of their own:
// the announce URL carries the passkey and is outside the info dict, so every copy has the same
// info_hash.

export interface TorrentMeta {
  /** The bencoded info dict's SHA-1: what clients announce. */
  infoHash: Buffer;
  /** Bytes of the file. */
  length: number;
  /** Writes a .torrent of this info dict announcing to `announce`. */
  write(path: string, announce: string): void;
}

/** The info dict of `file` (private flag set, as a private tracker's torrents are) in pieces of `pieceLength` bytes. */
export function torrentOf(file: string, pieceLength = 256 * 1024): TorrentMeta {
  const data = readFileSync(file);
  const hashes: Buffer[] = [];
  for (let at = 0; at < data.length; at += pieceLength) hashes.push(createHash('sha1').update(data.subarray(at, at + pieceLength)).digest());
  const info = { length: data.length, name: basename(file), 'piece length': pieceLength, pieces: Buffer.concat(hashes), private: 1 };
  return {
    infoHash: createHash('sha1').update(bencode.encode(info)).digest(),
    length: data.length,
    write(path, announce) {
      writeFileSync(path, bencode.encode({ announce, 'created by': 'mika tests', info }));
    },
  };
}
