/**
 * Splits a byte stream into lines, holding at most `maxLineChars` characters of an
 * unfinished line: a longer line is emitted cut, with a marker, and the
 * rest of it up to the next newline is dropped.
 */
export class LineSplitter {
  private pending = ''
  private dropping = false

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars = 16 * 1024,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.pending + chunk.toString()
    const lines = text.split('\n')
    this.pending = lines.pop() ?? ''
    for (const line of lines) {
      if (this.dropping) this.dropping = false
      else this.emit(line)
    }
    if (this.pending.length > this.maxLineChars) {
      if (!this.dropping) this.onLine(`${this.pending.slice(0, this.maxLineChars)} …[line cut]`)
      this.pending = ''
      this.dropping = true
    }
  }

  /** Emits what is left of an unfinished last line. */
  flush(): void {
    if (this.pending !== '' && !this.dropping) this.emit(this.pending)
    this.pending = ''
    this.dropping = false
  }

  private emit(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
  }
}
