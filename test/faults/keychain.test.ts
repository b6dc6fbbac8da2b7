import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

// No Secret Service reachable: the CLI (and so the app, which shares the core) says so and stores nothing anywhere else.
const work = tempDir('bw-nokeychain-');
const noKeychain = { PATH: process.env.PATH, HOME: work.dir, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
const password = 'pw-that-must-not-land-anywhere-8c1f';

afterAll(() => work.cleanup());

describe('keychain unavailable', () => {
  it('adding a project with a password fails with VAULT_UNAVAILABLE, says what to do, and leaves no plaintext and no half-made project', async () => {
    const dataDir = join(work.dir, 'data');
    const r = await runCli(['project', 'add', '--name', 'No keychain', '--env', 'production', '--host', 'db.example.com', '--password-stdin'], { dataDir, env: noKeychain, input: password });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \(VAULT_UNAVAILABLE\): Could not store a secret because the OS keychain is not available \(.+\)\. Backup Warden keeps credentials only in the keychain and never falls back to plaintext\. Start and unlock your keyring/m);
    expect(r.stdout + r.stderr).not.toContain(password);
    // Nothing on disk holds the password, and the project was not created without its secret.
    for (const f of readdirSync(dataDir)) expect(readFileSync(join(dataDir, f)).includes(password), f).toBe(false);
    if (existsSync(join(dataDir, 'warden.sqlite'))) {
      const dump = execFileSync('sqlite3', [join(dataDir, 'warden.sqlite'), '.dump'], { encoding: 'utf8' });
      expect(dump).not.toContain(password);
      expect(execFileSync('sqlite3', [join(dataDir, 'warden.sqlite'), 'SELECT count(*) FROM projects'], { encoding: 'utf8' }).trim()).toBe('0');
    }
    const list = await runCli(['project', 'list'], { dataDir, env: noKeychain });
    expect(list.stdout.trim()).toBe('No projects yet.');
  });
});
