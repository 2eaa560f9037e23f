/**
 * Splits a byte stream into newline-terminated lines, refusing any line longer than `maxBytes`
 * (without the newline) before buffering it: a peer cannot make the agent hold more than that
 * per connection. Works on bytes, so a UTF-8 character split across reads stays whole.
 */
const NL = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Calls `onLine` for each complete line (without "\n" or "\r\n"); false when a line is too long. */
  push(chunk: Buffer, onLine: (line: Buffer) => void): boolean {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) {
        const rest = chunk.length - start;
        if (this.size + rest > this.maxBytes) return false;
        if (rest > 0) {
          // A copy: a view would keep the whole read buffer alive for as long as the line is unfinished.
          this.parts.push(Buffer.from(chunk.subarray(start)));
          this.size += rest;
        }
        return true;
      }
      const seg = nl - start;
      // +1: a "\r" before the newline does not count against the limit.
      if (this.size + seg > this.maxBytes + (chunk[nl - 1] === CR ? 1 : 0)) return false;
      let line: Buffer;
      if (this.size === 0) {
        line = chunk.subarray(start, nl);
      } else {
        this.parts.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.parts, this.size + seg);
        this.parts = [];
        this.size = 0;
      }
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      onLine(line);
      start = nl + 1;
    }
  }

  /** Bytes of an unfinished line held: all this splitter holds. */
  get pending(): number {
    return this.size;
  }

  /** Drops an unfinished line (the connection is gone). */
  reset(): void {
    this.parts = [];
    this.size = 0;
  }
}
