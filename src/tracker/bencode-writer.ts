// A minimal bencode writer for the replies on the announce path: the dictionary keys are known, so
// they are written in sorted order by the caller, with no intermediate object. Other replies use
// the `bencode` package.

export class BencodeWriter {
  private readonly parts: Buffer[] = [];
  private text = '';

  private flushText(): void {
    if (this.text !== '') {
      this.parts.push(Buffer.from(this.text, 'latin1'));
      this.text = '';
    }
  }

  raw(s: string): this {
    this.text += s;
    return this;
  }

  int(key: string, n: number): this {
    this.text += `${key.length}:${key}i${Math.trunc(n)}e`;
    return this;
  }

  /** A key then a UTF-8 text value. */
  str(key: string, value: string): this {
    const b = Buffer.from(value, 'utf8');
    return this.bytes(key, b);
  }

  /** A key then a byte-string value; an empty key writes the value alone (list items). */
  bytes(key: string, value: Buffer): this {
    if (key !== '') this.text += `${key.length}:${key}`;
    this.text += `${value.length}:`;
    this.flushText();
    this.parts.push(value);
    return this;
  }

  /** A key then a byte string made of `chunks` joined. */
  joined(key: string, chunks: Buffer[], total: number): this {
    this.text += `${key.length}:${key}${total}:`;
    this.flushText();
    for (const c of chunks) this.parts.push(c);
    return this;
  }

  done(): Buffer {
    this.flushText();
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }
}

/** `d14:failure reason<n>:<reason>e` */
export function failureReply(reason: string): Buffer {
  return new BencodeWriter().raw('d').str('failure reason', reason).raw('e').done();
}
