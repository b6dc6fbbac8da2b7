import { useEffect, useMemo, useState } from 'react';
import type { AuditEntry, ChainVerdict } from '../../../src-main/contract/audit';
import { auditSentence } from '../../../src-main/contract/auditSentence';
import type { ProjectView } from '../../../src-main/contract/project';
import { api, unwrap } from '../api';
import { ErrorBanner, messageOf } from '../ErrorBanner';
import { useAction } from '../useAsync';

const PAGE = 200;
const families = ['project', 'key', 'backup', 'storage', 'verify', 'recovery', 'rehearsal', 'platform', 'signoff', 'review', 'log', 'notify', 'restore', 'pitr', 'audit', 'settings'] as const;

interface Filters {
  projectId: string;
  runId: string;
  action: string;
  since: string;
  until: string;
  text: string;
}
const noFilters: Filters = { projectId: '', runId: '', action: '', since: '', until: '', text: '' };

/** One filter's choice: everything, or one of `options` ([value, label]). */
function FilterSelect({ label, all, value, options, onChange }: { label: string; all: string; value: string; options: [string, string][]; onChange: (value: string) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A datetime-local value (the operator's local time) as ISO 8601, or undefined when empty. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The trail as sentences, newest first, narrowed by project, action, time and text; details on demand. */
export function AuditScreen() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [more, setMore] = useState(false);
  const [verdict, setVerdict] = useState<ChainVerdict | null>(null);
  const [projects, setProjects] = useState<ProjectView[]>([]);
  const [runs, setRuns] = useState<{ id: string; name: string; projectId: string }[]>([]);
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const action = useAction();
  const [exported, setExported] = useState<string | null>(null);
  const exportAs = (format: 'csv' | 'json') =>
    action
      .run(async () => {
        const folder = await unwrap(api().pickFolder({ purpose: 'export' }));
        return folder ? unwrap(api().exportAudit({ format, folder })) : undefined;
      })
      .then((r) => r && setExported(`Exported ${r.entries} entries to ${r.file}`));

  useEffect(() => {
    Promise.all([unwrap(api().verifyAudit()), unwrap(api().listProjects()), unwrap(api().listRuns({}))]).then(
      ([chain, list, runs]) => {
        setVerdict(chain);
        setProjects(list);
        setRuns(runs.map((r) => ({ id: r.id, name: r.name, projectId: r.projectId })));
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);
  // Typing waits a moment before it searches.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => (f.text === text ? f : { ...f, text })), 300);
    return () => clearTimeout(timer);
  }, [text]);

  const query = useMemo(
    () => ({
      newestFirst: true,
      limit: PAGE,
      projectId: filters.projectId || undefined,
      runId: filters.runId || undefined,
      action: filters.action || undefined,
      since: isoOf(filters.since),
      until: isoOf(filters.until),
      text: filters.text.trim() || undefined,
    }),
    [filters],
  );
  useEffect(() => {
    unwrap(api().listAudit(query)).then(
      (list) => {
        setEntries(list);
        setMore(list.length === PAGE);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, [query]);
  const older = () =>
    action.run(async () => {
      const list = await unwrap(api().listAudit({ ...query, beforeSeq: entries.at(-1)!.seq }));
      setEntries((e) => [...e, ...list]);
      setMore(list.length === PAGE);
    });
  const runName = (id: string) => runs.find((r) => r.id === id)?.name ?? 'a run';
  const projectName = (id: string | null) => (id ? (projects.find((p) => p.id === id)?.name ?? 'a removed project') : '');
  const set = (key: keyof Filters) => (value: string) => setFilters((f) => ({ ...f, [key]: value }));

  return (
    <section aria-labelledby="audit-title">
      <div className="section-head">
        <h2 id="audit-title">Audit trail</h2>
        <div className="actions">
          <button disabled={action.busy} onClick={() => void exportAs('csv')}>
            Export CSV…
          </button>
          <button disabled={action.busy} onClick={() => void exportAs('json')}>
            Export JSON…
          </button>
        </div>
      </div>
      <ErrorBanner error={error ?? action.error} />
      {exported && <p className="banner good">{exported}</p>}
      {verdict && (
        <div className={verdict.ok ? 'banner good chain' : 'banner error chain'} role="status">
          {verdict.ok ? (
            <>
              <strong>Chain intact</strong>: {verdict.rows} entries, each hashed with the one before. Head <span className="mono">{verdict.rows}:{verdict.headHash}</span> — a signed log that recorded it proves nothing was cut off since.
            </>
          ) : (
            <>
              <strong>Chain broken at entry {verdict.firstBadSeq}</strong>: {verdict.reason}. Entries from there on cannot be trusted; keep this database as it is and compare it with an exported copy.
            </>
          )}
        </div>
      )}
      <form className="filters" aria-label="Filter the audit trail" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect label="Project" all="all projects" value={filters.projectId} options={projects.map((p) => [p.id, p.name])} onChange={(projectId) => setFilters((f) => ({ ...f, projectId, runId: '' }))} />
        <FilterSelect
          label="Run"
          all="all runs"
          value={filters.runId}
          options={runs.filter((r) => !filters.projectId || r.projectId === filters.projectId).map((r) => [r.id, r.name])}
          onChange={set('runId')}
        />
        <FilterSelect label="Action" all="all actions" value={filters.action} options={families.map((f) => [f, f])} onChange={set('action')} />
        <label>
          From
          <input type="datetime-local" value={filters.since} onChange={(e) => set('since')(e.target.value)} />
        </label>
        <label>
          Until
          <input type="datetime-local" value={filters.until} onChange={(e) => set('until')(e.target.value)} />
        </label>
        <label className="grow">
          Search
          <input type="search" value={text} placeholder="a name, a file, a backup id…" onChange={(e) => setText(e.target.value)} />
        </label>
        <button
          type="button"
          onClick={() => {
            setText('');
            setFilters(noFilters);
          }}
        >
          Clear
        </button>
      </form>
      {entries.length === 0 && <p className="empty">No entries match.</p>}
      <ol className="audit-list" aria-label="Audit entries, newest first">
        {entries.map((e) => (
          <li key={e.seq} className="audit-entry">
            <div className="audit-line">
              <span className="muted small mono">#{e.seq}</span>
              <time dateTime={e.at} className="muted small">
                {new Date(e.at).toLocaleString()}
              </time>
              <span className="audit-sentence">{auditSentence(e)}</span>
              <span className="muted small">{[projectName(e.projectId), e.runId ? runName(e.runId) : ''].filter(Boolean).join(' / ')}</span>
            </div>
            <details>
              <summary>Details</summary>
              <dl className="facts small">
                <dt>Action</dt>
                <dd className="mono">{e.action}</dd>
                <dt>By</dt>
                <dd>{e.actor}</dd>
                {Object.entries(e.details).map(([k, v]) => (
                  <div key={k} className="contents">
                    <dt>{k}</dt>
                    <dd className="mono">{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
                  </div>
                ))}
                <dt>Hash</dt>
                <dd className="mono">{e.hash}</dd>
              </dl>
            </details>
          </li>
        ))}
      </ol>
      {more && (
        <button disabled={action.busy} onClick={() => void older()}>
          Older entries
        </button>
      )}
    </section>
  );
}
