import { Writable } from 'node:stream';

/**
 * Feeds a child's stdin from a pipeline that must keep flowing after the child stops reading
 * (pg_restore --list reads only the archive's table of contents): data after that is dropped.
 */
export class ChildStdinSink extends Writable {
  private childGone = false;
  private waiting: (() => void) | null = null;

  constructor(private readonly stdin: NodeJS.WritableStream & { destroyed?: boolean }) {
    super();
    const close = () => {
      this.childGone = true;
      this.waiting?.();
      this.waiting = null;
    };
    stdin.on('error', close); // EPIPE once the child has exited
    stdin.on('close', close);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.childGone) return callback();
    if (this.stdin.write(chunk)) return callback();
    this.waiting = callback;
    this.stdin.once('drain', () => {
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.();
    });
  }

  override _final(callback: () => void): void {
    if (!this.childGone) this.stdin.end();
    callback();
  }
}
