import { sql as initial } from './001_initial';
import { sql as backupKeys } from './002_backup_keys';
import { sql as sampleChecks } from './003_sample_checks';
import { sql as signoff } from './004_signoff';
import { sql as activities } from './005_activities';
import { sql as partialState } from './006_partial_state';
import { sql as tlsRootCert } from './007_tls_root_cert';
import { sql as projectToolsDir } from './008_project_tools_dir';
import { sql as restores } from './009_restores';
import { sql as keyEscrow } from './010_key_escrow';
import { sql as personalSignatures } from './011_personal_signatures';
import { sql as storage } from './012_storage';
import { sql as cancelRequests } from './013_cancel_requests';
import { sql as storageRowPages } from './014_storage_row_pages';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** In order; a migration, once released, is never edited: add the next number instead. */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'backup keys', sql: backupKeys },
  { version: 3, name: 'sample checks', sql: sampleChecks },
  { version: 4, name: 'sign-off', sql: signoff },
  { version: 5, name: 'activities', sql: activities },
  { version: 6, name: 'partial rehearsal state', sql: partialState },
  { version: 7, name: 'TLS root certificate', sql: tlsRootCert },
  { version: 8, name: 'project tools folder', sql: projectToolsDir },
  { version: 9, name: 'restores', sql: restores },
  { version: 10, name: 'key escrow', sql: keyEscrow },
  { version: 11, name: 'personal signatures', sql: personalSignatures },
  { version: 12, name: 'storage', sql: storage },
  { version: 13, name: 'cancel requests', sql: cancelRequests },
  { version: 14, name: 'storage row pages', sql: storageRowPages },
];
