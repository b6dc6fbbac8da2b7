import { copyFileSync } from 'node:fs';

/** Damages a file for the length of fn, then puts the original back (a copy lives at `file`.orig meanwhile). */
export async function withCorruptedFile<T>(file: string, corrupt: (file: string) => void, fn: () => Promise<T>): Promise<T> {
  const saved = `${file}.orig`;
  copyFileSync(file, saved);
  try {
    corrupt(file);
    return await fn();
  } finally {
    copyFileSync(saved, file);
  }
}
