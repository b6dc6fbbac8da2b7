import type { Settings, SettingsPatch } from '../../contract/settings';
import type { AuditTrail } from '../audit/auditTrail';
import type { Db } from '../db/database';
import { checkToolsDir } from '../pgtools/discovery';

/** Settings of this installation, each change in the audit trail with its old and new value. */
export class SettingsStore {
  constructor(private readonly deps: { db: Db; audit: AuditTrail; actor: string }) {}

  get(): Settings {
    const row = this.deps.db.prepare(`SELECT value FROM settings WHERE key = 'pgToolsDir'`).get() as { value: string } | undefined;
    return { pgToolsDir: row?.value ?? null };
  }

  update(patch: SettingsPatch): Settings {
    const before = this.get();
    if (patch.pgToolsDir !== undefined && patch.pgToolsDir !== before.pgToolsDir) {
      if (patch.pgToolsDir !== null) checkToolsDir(patch.pgToolsDir);
      // The settings table holds a row per set key (the log-signing key's public half lives there too).
      if (patch.pgToolsDir === null) this.deps.db.prepare(`DELETE FROM settings WHERE key = 'pgToolsDir'`).run();
      else this.deps.db.prepare(`INSERT OR REPLACE INTO settings (key, value) VALUES ('pgToolsDir', ?)`).run(patch.pgToolsDir);
      this.deps.audit.append({ actor: this.deps.actor, action: 'settings.updated', details: { pgToolsDir: { before: before.pgToolsDir, after: patch.pgToolsDir } } });
    }
    return this.get();
  }
}
