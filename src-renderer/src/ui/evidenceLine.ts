import { isFailure } from '../../../src-main/contract/evidence';
import { formatBytes } from '../../../src-main/contract/format';
import type { ChecklistItemView } from '../../../src-main/contract/runs';

/** A finished step in one line: what its evidence says, in words (the full panel is one click away). */
export function evidenceLine(item: ChecklistItemView): string {
  if (!item.evidence) return item.state === 'pending' ? 'Not done yet.' : '';
  if (isFailure(item.evidence)) return item.evidence.error;
  switch (item.key) {
    case 'prerequisites': {
      const p = item.evidence.platform;
      const how = p.mode === 'attested' ? `attested by ${p.attestedBy ?? 'the operator'}` : 'checked through the Management API';
      return `Platform backup ${p.backupId} (${p.backupStatus}, ${how}) kept until ${new Date(p.expiresAt).toLocaleString()}; migration window ${new Date(p.migrationWindow.start).toLocaleString()} – ${new Date(p.migrationWindow.end).toLocaleString()}.`;
    }
    case 'backup': {
      const b = item.evidence;
      return `${b.publicTables} tables in public, ${b.tables} in all, ${b.rows.toLocaleString()} rows; ${formatBytes(b.ciphertextBytes)} encrypted with age.`;
    }
    case 'storage': {
      const s = item.evidence;
      if (s.scope === 'none') return s.reason;
      if (s.scope === 'out-of-scope') return `Left out by ${s.by}: ${s.reason}`;
      return `${s.objects.toLocaleString()} objects (${formatBytes(s.bytes)}) from ${s.buckets.join(', ')}${s.consistency ? (s.consistency.ok ? '; matches the database' : '; DOES NOT match the database') : ''}.`;
    }
    case 'integrity': {
      const r = item.evidence;
      const passed = r.checks.filter((c) => c.status === 'passed').length;
      return `${passed} of ${r.checks.length} checks passed${r.ok ? '' : ' — read the failed ones'}.`;
    }
    case 'recovery': {
      const r = item.evidence;
      return `Decrypted in full with the ${r.keyKind} (${r.recipient.slice(0, 12)}…), not this keychain’s copy.`;
    }
    case 'log':
      return `Rendered ${new Date(item.evidence.renderedAt).toLocaleString()}.`;
    case 'rehearsal': {
      const r = item.evidence;
      const rto = r.timings.rtoMs === null ? '' : `; restore time ${(r.timings.rtoMs / 1000).toFixed(1)} s`;
      return `${r.outcome === 'passed' ? 'Passed' : r.outcome === 'partial' ? 'PARTIAL' : 'FAILED'}: ${r.totals.tablesRestored} of ${r.totals.tablesExpected} tables, ${r.totals.rowsRestored.toLocaleString()} of ${r.totals.rowsExpected.toLocaleString()} rows into ${r.target}${rto}.`;
    }
    case 'sign-off': {
      const s = item.evidence;
      return `Creator ${s.creator.name}${s.verifier ? `, verifier ${s.verifier.name}` : '; the verifier has not signed yet'}.`;
    }
    case 'notify': {
      const n = item.evidence;
      return `Told the team via ${n.channel}${n.status ? ` (HTTP ${n.status})` : ''}.`;
    }
  }
}
