import { describe, expect, it } from 'vitest';
import { scratchPlacement } from '../../src-main/core/rehearse/scratchCluster';

const GiB = 1024 ** 3;

describe('where a rehearsal server keeps its files', () => {
  it('in memory when the restored data and the margin take at most half of what is free there', () => {
    // 1 GiB → 1.5 + 1.5 = 3 GiB needed: fits in half of 8 free.
    expect(scratchPlacement(1 * GiB, { memory: 8 * GiB, fileSystem: 12 * GiB })).toBe('memory');
  });

  it('on disk when memory, or the memory file system, is too small for it', () => {
    expect(scratchPlacement(1 * GiB, { memory: 5 * GiB, fileSystem: 12 * GiB })).toBe('disk');
    expect(scratchPlacement(1 * GiB, { memory: 12 * GiB, fileSystem: 5 * GiB })).toBe('disk');
    // A 50 GB production database never goes to memory on a workstation.
    expect(scratchPlacement(50 * GiB, { memory: 64 * GiB, fileSystem: 32 * GiB })).toBe('disk');
  });

  it('on disk where there is no memory file system this process can write', () => {
    expect(scratchPlacement(1, null)).toBe('disk');
  });
});
