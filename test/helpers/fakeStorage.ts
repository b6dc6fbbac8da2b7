import type { ServerResponse } from 'node:http';
import { practiceObjectBlock, practiceObjectSha256, startPracticeStorage, type PracticeObject, type PracticeStorage } from '../../src-main/core/practice/practiceStorage';

/**
 * TEST ONLY. The practice Storage API (core/practice/practiceStorage) with faults on demand: 429 (with
 * Retry-After) or 503 answers, and downloads cut off mid-stream.
 */
export type FakeObject = PracticeObject;

export interface FakeStorage extends PracticeStorage {
  /** Answers the next n requests for "bucket/path" (or "list" / "buckets") with this status. */
  failNext(key: string, status: number, times?: number): void;
  /** Cuts the next download of "bucket/path" off after this many bytes. */
  cutNext(key: string, afterBytes: number): void;
}

export const objectBlock = practiceObjectBlock;
export const objectSha256 = practiceObjectSha256;

export async function startFakeStorage(objects: FakeObject[], serviceKey = 'sb_secret_fakeservicerolekey0123456789abcdef'): Promise<FakeStorage> {
  const failures = new Map<string, { status: number; times: number }>();
  const cuts = new Map<string, number>();
  const intercept = (key: string, res: ServerResponse): boolean => {
    const f = failures.get(key);
    if (!f || f.times <= 0) return false;
    f.times--;
    res.writeHead(f.status, { 'Content-Type': 'application/json', ...(f.status === 429 ? { 'Retry-After': '0' } : {}) }).end(JSON.stringify({ statusCode: String(f.status), error: 'fault', message: `injected ${f.status}` }));
    return true;
  };
  const cutAfter = (key: string) => {
    const cut = cuts.get(key);
    cuts.delete(key);
    return cut;
  };
  const storage = await startPracticeStorage(objects, { serviceKey, hooks: { intercept, cutAfter } });
  return { ...storage, failNext: (key, status, times = 1) => failures.set(key, { status, times }), cutNext: (key, afterBytes) => cuts.set(key, afterBytes) };
}
