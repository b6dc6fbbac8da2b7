import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { procStatFields } from '../../src-main/core/util/procStat';
import { tempDir } from '../helpers/tmp';

describe.runIf(process.platform === 'linux')('procStatFields', () => {
  let work: ReturnType<typeof tempDir> | null = null;
  afterEach(() => work?.cleanup());

  it("counts fields after the command name, even one with spaces and ') (' in it", async () => {
    work = tempDir('bw-procstat-');
    // A command name an attacker could choose: it must not shift the fields.
    const sleeper = join(work.dir, 'a) (b c');
    copyFileSync('/bin/sleep', sleeper);
    const child = spawn(sleeper, ['30'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      const fields = procStatFields(child.pid!)!;
      expect(fields[0]).toMatch(/^[RSD]$/);
      expect(Number(fields[1])).toBe(process.pid);
      expect(procStatFields(process.pid)![19]).toMatch(/^\d+$/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('is null for a process that does not exist', () => {
    expect(procStatFields(2 ** 22 + 1)).toBeNull();
  });
});
