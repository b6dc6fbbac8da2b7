import { describe, expect, it } from 'vitest';
import { streamingPaysOff } from '../../src-main/core/rehearse/rehearsalService';

const manifest = (tables: number[], ciphertextBytes: number, format: 'custom' | 'directory' = 'custom') => ({ dump: { format }, tables: tables.map((bytes) => ({ bytes })), files: { dump: { ciphertextBytes } } });
const MB = 1e6;

describe('streamingPaysOff', () => {
  it('streams when one table holds the data and the file is large (parallel jobs cannot split it; decryption would come first)', () => {
    expect(streamingPaysOff(manifest([1080 * MB, 4 * MB], 983 * MB))).toBe(true);
  });
  it('restores from the file with parallel jobs when the data is spread and the file small (the practice data)', () => {
    expect(streamingPaysOff(manifest([540 * MB, 190 * MB, 110 * MB, 45 * MB, 160 * MB], 103 * MB))).toBe(false);
  });
  it('weighs what parallel jobs would restore beside the largest table against the file', () => {
    expect(streamingPaysOff(manifest([600 * MB, 300 * MB], 700 * MB))).toBe(true);
    expect(streamingPaysOff(manifest([600 * MB, 300 * MB], 500 * MB))).toBe(false);
  });
  it('never streams a directory archive (a parallel backup): pg_restore reads its unpacked folder', () => {
    expect(streamingPaysOff(manifest([1080 * MB, 4 * MB], 983 * MB, 'directory'))).toBe(false);
  });
});
