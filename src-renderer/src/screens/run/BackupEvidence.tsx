import { formatBytes } from '../../../../src-main/contract/format';
import type { PanelProps } from '../RunScreen';

interface Evidence {
  file: string;
  ciphertextBytes: number;
  ciphertextSha256: string;
  tables: number;
  publicTables: number;
  rows: number;
  roles: string;
  pgDump: string;
  serverVersion: string;
  error?: string;
}

/** What the backup produced; the backup itself is started from the project. */
export function BackupEvidence({ item }: PanelProps) {
  const e = item.evidence as Evidence | null;
  if (!e) return <p className="muted">Started from the project’s “Start backup”.</p>;
  if (e.error) return <p className="report bad">{e.error}</p>;
  return (
    <dl className="facts">
      <dt>File</dt>
      <dd className="mono">{e.file}</dd>
      <dt>Size</dt>
      <dd>{formatBytes(e.ciphertextBytes)} (encrypted with age)</dd>
      <dt>SHA-256</dt>
      <dd className="mono">{e.ciphertextSha256}</dd>
      <dt>Contents</dt>
      <dd>
        {e.publicTables} tables in public, {e.tables} in all, {e.rows.toLocaleString()} rows (exact counts)
      </dd>
      <dt>Roles</dt>
      <dd>{e.roles}</dd>
      <dt>Tools</dt>
      <dd>
        pg_dump {e.pgDump} against PostgreSQL {e.serverVersion}
      </dd>
    </dl>
  );
}
