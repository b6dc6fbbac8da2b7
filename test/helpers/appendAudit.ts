// Child process for the concurrency test: appends N audit rows to the database at argv[2] as fast as it can.
import { AuditTrail } from '../../src-main/core/audit/auditTrail';
import { openDatabase } from '../../src-main/core/db/database';

const [file, count, actor] = process.argv.slice(2);
const db = openDatabase(file!);
const audit = new AuditTrail(db);
for (let i = 0; i < Number(count); i++) audit.append({ actor: actor!, action: 'test.append', details: { i } });
db.close();
