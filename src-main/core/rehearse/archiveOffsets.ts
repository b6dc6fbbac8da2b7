import { open, type FileHandle } from 'node:fs/promises';

// pg_dump writes a custom archive's table of contents before the data, and fills in where each table's
// data starts only when it can seek back to the TOC. Our backups stream it through zstd and age, so the
// decrypted copy has no data offsets: pg_restore --jobs then has no table sizes to schedule the largest
// first, and each worker reads through the blocks before its table to find it (the 1 GiB practice
// archive restored with 2 jobs in 6.6 s without offsets, 5.0 s with them). fillDataOffsets writes them
// in as pg_dump would have: the layout is pg_backup_archiver.c's ReadHead/ReadToc and
// pg_backup_custom.c's data blocks, archive versions 1.14 (pg_dump 12) to 1.16 (pg_dump 17, 18).

const CUSTOM_FORMAT = 1;
const [BLK_DATA, BLK_BLOBS] = [1, 3];
const [OFFSET_NOT_SET, OFFSET_SET] = [1, 2];
const WINDOW = 4 * 1024 * 1024;

function version(major: number, minor: number, rev = 0): number {
  return (major * 256 + minor) * 256 + rev;
}

/** An archive whose layout is not the one expected: the file is left as it is (pg_restore copes without offsets). */
class NotFillable extends Error {}

/** Sequential reads through a window of the file; the archive's integers are a sign byte and intSize bytes, little-endian. */
class ArchiveReader {
  private buf = Buffer.alloc(WINDOW);
  private start = 0;
  private end = 0;
  pos = 0;
  intSize = 4;

  constructor(
    private readonly file: FileHandle,
    readonly size: number,
  ) {}

  /** Makes `n` bytes from pos available in the window. */
  private async need(n: number): Promise<void> {
    if (this.pos + n > this.size) throw new NotFillable('the archive ends inside an entry');
    if (n > this.buf.length) this.buf = Buffer.alloc(n);
    const { bytesRead } = await this.file.read(this.buf, 0, this.buf.length, this.pos);
    [this.start, this.end] = [this.pos, this.pos + bytesRead];
    if (bytesRead < n) throw new NotFillable('short read');
  }

  /** Whether `n` bytes from pos are in the window already (the hot loops read without awaiting then). */
  private has(n: number): boolean {
    return this.pos >= this.start && this.pos + n <= this.end;
  }

  async byte(): Promise<number> {
    if (!this.has(1)) await this.need(1);
    return this.buf[this.pos++ - this.start]!;
  }

  async int(): Promise<number> {
    if (!this.has(1 + this.intSize)) await this.need(1 + this.intSize);
    return this.intInWindow();
  }

  private intInWindow(): number {
    const at = this.pos - this.start;
    let value = 0;
    for (let i = this.intSize - 1; i >= 0; i--) value = value * 256 + this.buf[at + 1 + i]!;
    this.pos += 1 + this.intSize;
    return this.buf[at] ? -value : value;
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.size) throw new NotFillable('a length points outside the archive');
    this.pos += n;
  }

  /** A string (length, then bytes; -1 for NULL), skipped. False for NULL. */
  async skipString(): Promise<boolean> {
    const length = await this.int();
    if (length === -1) return false;
    this.skip(length);
    return true;
  }

  /** Length-prefixed chunks up to a zero length: pg_dump -Z0 writes one per row, so this loop awaits only to refill its window. */
  async skipChunks(): Promise<void> {
    for (;;) {
      if (!this.has(1 + this.intSize)) await this.need(1 + this.intSize);
      const length = this.intInWindow();
      if (length === 0) return;
      this.skip(length);
    }
  }
}

/**
 * Fills in the data offsets of a custom archive's TOC entries that have none (in place, the same bytes
 * pg_dump writes to a seekable file). Returns how many were filled; 0 when the archive has them already,
 * or its version or layout is not one this knows (the file is then left unchanged).
 */
export async function fillDataOffsets(path: string): Promise<number> {
  const file = await open(path, 'r+');
  try {
    const positions = await locate(new ArchiveReader(file, (await file.stat()).size));
    for (const [at, blockAt] of positions) {
      const field = Buffer.alloc(9);
      field[0] = OFFSET_SET;
      field.writeBigUInt64LE(BigInt(blockAt), 1);
      await file.write(field, 0, field.length, at);
    }
    return positions.size;
  } catch (error) {
    if (error instanceof NotFillable) return 0;
    throw error;
  } finally {
    await file.close();
  }
}

/** Where each offset field without an offset is (→ its data block's position); nothing is written before the whole archive was read. */
async function locate(r: ArchiveReader): Promise<Map<number, number>> {
  const magic = Buffer.alloc(5);
  for (let i = 0; i < 5; i++) magic[i] = await r.byte();
  if (magic.toString('latin1') !== 'PGDMP') throw new NotFillable('not a custom archive');
  const v = version(await r.byte(), await r.byte(), await r.byte());
  if (v < version(1, 14) || v > version(1, 16, 255)) throw new NotFillable(`archive version ${v}`);
  r.intSize = await r.byte();
  const offSize = await r.byte();
  if (r.intSize < 1 || r.intSize > 6 || offSize !== 8 || (await r.byte()) !== CUSTOM_FORMAT) throw new NotFillable('integer, offset size or format');
  if (v >= version(1, 15)) await r.byte(); // compression algorithm
  else await r.int(); // compression level
  for (let i = 0; i < 7; i++) await r.int(); // creation time
  for (let i = 0; i < 3; i++) await r.skipString(); // database name, server version, pg_dump version

  // The TOC: each entry's fields in order, then its offset field (flag byte, offSize bytes).
  const unset = new Map<number, number>(); // dump id → position of its offset field
  const count = await r.int();
  for (let i = 0; i < count; i++) {
    const dumpId = await r.int();
    await r.int(); // had a data dumper
    for (let s = 0; s < 4; s++) await r.skipString(); // table oid, oid, tag, desc
    await r.int(); // section
    for (let s = 0; s < 6; s++) await r.skipString(); // defn, drop, copy statement, namespace, tablespace, table AM
    if (v >= version(1, 16)) await r.int(); // relkind
    await r.skipString(); // owner
    await r.skipString(); // "with oids"
    while (await r.skipString()); // dependencies, NULL-terminated
    const at = r.pos;
    const flag = await r.byte();
    r.skip(offSize);
    if (flag === OFFSET_NOT_SET) unset.set(dumpId, at);
  }
  if (unset.size === 0) return new Map();

  // The data blocks, in the order they were written: a type byte, the entry's dump id, then length-prefixed chunks.
  const found = new Map<number, number>();
  while (r.pos < r.size) {
    const blockAt = r.pos;
    const type = await r.byte();
    const dumpId = await r.int();
    if (type === BLK_DATA) await r.skipChunks();
    else if (type === BLK_BLOBS) for (let oid = await r.int(); oid !== 0; oid = await r.int()) await r.skipChunks();
    else throw new NotFillable(`block type ${type}`);
    const at = unset.get(dumpId);
    if (at !== undefined) found.set(at, blockAt);
  }
  return found;
}
