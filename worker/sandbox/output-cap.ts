// Bounded capture of a command's output: a runaway command cannot fill the worker's memory or the prompt.
import { Writable } from 'node:stream';

/** Keeps the first and last halves of a stream up to `limit` bytes, without holding the middle. */
export class CappedOutput extends Writable {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  total = 0;

  constructor(limit: number) {
    super();
    this.headLimit = Math.ceil(limit / 2);
    this.tailLimit = limit - this.headLimit;
  }

  get truncated(): boolean {
    return this.total > this.headLimit + this.tailLimit;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = rest.subarray(0, this.headLimit - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length > 0 && this.tailLimit > 0) {
      this.tail.push(rest);
      this.tailBytes += rest.length;
      while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.tailLimit) {
        this.tailBytes -= this.tail.shift()!.length;
      }
    }
    callback();
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    if (!this.truncated) return head + Buffer.concat(this.tail).toString('utf8');
    const tail = Buffer.concat(this.tail).subarray(-this.tailLimit);
    const cut = this.total - this.headBytes - tail.length;
    return `${head}\n[CodingWorker: ${cut} bytes of output cut here]\n${tail.toString('utf8')}`;
  }
}
