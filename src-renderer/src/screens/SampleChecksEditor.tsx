import type { SampleCheck } from '../../../src-main/contract/sampleCheck';

/** Rows as typed: numbers and booleans are parsed when the project is saved. */
export interface SampleCheckDraft {
  name: string;
  table: string;
  column: string;
  equals: string;
  op: SampleCheck['expect']['op'];
  rows: string;
}

export const draftOfCheck = (c: SampleCheck): SampleCheckDraft => ({
  name: c.name,
  table: c.table,
  column: c.where?.column ?? '',
  equals: c.where === undefined ? '' : String(c.where.equals),
  op: c.expect.op,
  rows: String(c.expect.rows),
});

/** The value compared as typed: true/false and plain numbers keep their type, anything else is text. */
const typed = (v: string): string | number | boolean => (v === 'true' ? true : v === 'false' ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

export const checkOfDraft = (d: SampleCheckDraft): SampleCheck => ({
  name: d.name.trim(),
  table: d.table.trim(),
  ...(d.column.trim() ? { where: { column: d.column.trim(), equals: typed(d.equals) } } : {}),
  expect: { op: d.op, rows: Number(d.rows) },
});

/**
 * Sample checks run on the restored database during the rehearsal. They are structured (table,
 * optional column = value, expected count), so no SQL is typed here or sent to the main process.
 */
export function SampleChecksEditor({ checks, onChange }: { checks: SampleCheckDraft[]; onChange: (next: SampleCheckDraft[]) => void }) {
  const set = (i: number, key: keyof SampleCheckDraft, value: string) => onChange(checks.map((c, j) => (j === i ? { ...c, [key]: value } : c)));
  return (
    <fieldset className="sample-checks">
      <legend>Sample checks on the restored database</legend>
      {checks.length === 0 && <p className="muted small">None yet. Example: students exist — public.users where role = student, rows ≥ 1.</p>}
      {checks.map((c, i) => (
        <div className="row" key={i} role="group" aria-label={`Sample check ${i + 1}`}>
          <label>
            Name <input value={c.name} onChange={(e) => set(i, 'name', e.target.value)} required />
          </label>
          <label>
            Table <input value={c.table} onChange={(e) => set(i, 'table', e.target.value)} placeholder="public.users" required />
          </label>
          <label>
            Where column <input value={c.column} onChange={(e) => set(i, 'column', e.target.value)} placeholder="optional" />
          </label>
          <label>
            equals <input value={c.equals} onChange={(e) => set(i, 'equals', e.target.value)} />
          </label>
          <label className="narrow">
            Rows
            <select value={c.op} onChange={(e) => set(i, 'op', e.target.value)}>
              <option value=">=">≥</option>
              <option value="=">=</option>
              <option value="<=">≤</option>
            </select>
          </label>
          <label className="narrow">
            count <input value={c.rows} onChange={(e) => set(i, 'rows', e.target.value)} inputMode="numeric" required />
          </label>
          <button type="button" className="remove" aria-label={`Remove sample check ${i + 1}`} onClick={() => onChange(checks.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...checks, { name: '', table: 'public.', column: '', equals: '', op: '>=', rows: '1' }])}>
        Add sample check
      </button>
    </fieldset>
  );
}
