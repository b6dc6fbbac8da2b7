// Child process for the concurrency test: opens the database at argv[2], says "ready", waits for the
// file <db>.go (so two children start appending at the same moment), then appends N rows as fast as it can.
import { existsSync } from 'node:fs';
import { AuditTrail } from '../../src-main/core/audit/auditTrail';
import { openDatabase } from '../../src-main/core/db/database';

const [file, count, actor] = process.argv.slice(2);
const db = openDatabase(file!);
const audit = new AuditTrail(db);
process.stdout.write('ready\n');
while (!existsSync(`${file}.go`)) await new Promise((r) => setTimeout(r, 2));
for (let i = 0; i < Number(count); i++) audit.append({ actor: actor!, action: 'test.append', details: { i } });
db.close();
