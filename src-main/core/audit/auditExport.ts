import type { AuditEntry, ChainVerdict } from '../../contract/audit';
import type { AuditTrail } from './auditTrail';
import { canonicalJson } from '../util/canonicalJson';

const COLUMNS = ['seq', 'at', 'actor', 'action', 'projectId', 'runId', 'details', 'prevHash', 'hash'] as const;

/** RFC 4180 CSV; details as canonical JSON so a row re-hashes exactly as stored. */
export function auditToCsv(entries: readonly AuditEntry[]): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = entries.map((e) => COLUMNS.map((c) => quote(c === 'details' ? canonicalJson(e.details) : String(e[c] ?? ''))).join(','));
  return [COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

export function auditToJson(entries: readonly AuditEntry[], verdict: ChainVerdict): string {
  return JSON.stringify({ format: 'backup-warden/audit@1', exportedAt: new Date().toISOString(), chain: verdict, entries }, null, 2) + '\n';
}

/** The whole trail as CSV or JSON (the JSON carries the chain verdict and head). */
export function renderAuditExport(audit: AuditTrail, format: 'csv' | 'json'): { text: string; entries: number } {
  const entries = audit.list({ limit: Number.MAX_SAFE_INTEGER });
  return { text: format === 'csv' ? auditToCsv(entries) : auditToJson(entries, audit.verify()), entries: entries.length };
}
