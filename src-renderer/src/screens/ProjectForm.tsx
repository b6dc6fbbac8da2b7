import { useState, type FormEvent } from 'react';
import { environments, sslModes, unverifiedSslModes, unverifiedTlsWarning } from '../../../src-main/contract/constants';
import type { SupabaseLookup } from '../../../src-main/contract/platform';
import type { ProjectView } from '../../../src-main/contract/project';
import { api, unwrap } from '../api';
import { ErrorBanner, messageOf } from '../ErrorBanner';
import { checkOfDraft, draftOfCheck, SampleChecksEditor, type SampleCheckDraft } from './SampleChecksEditor';

type Draft = {
  name: string;
  environment: ProjectView['environment'];
  supabaseRef: string;
  host: string;
  port: string;
  database: string;
  user: string;
  sslmode: ProjectView['sslmode'];
  sslRootCert: string;
  pgToolsDir: string;
  expectedTables: string;
  extraRecipients: string;
  sampleChecks: SampleCheckDraft[];
  dbPassword: string;
  managementToken: string;
  notifyWebhook: string;
  serviceRoleKey: string;
  apiUrl: string;
  excludeBuckets: string;
};

const draftOf = (p: ProjectView | null): Draft => ({
  name: p?.name ?? '',
  environment: p?.environment ?? 'production',
  supabaseRef: p?.supabaseRef ?? '',
  host: p?.host ?? '',
  port: String(p?.port ?? 5432),
  database: p?.database ?? 'postgres',
  user: p?.user ?? 'postgres',
  sslmode: p?.sslmode ?? 'verify-full',
  sslRootCert: p?.sslRootCert ?? '',
  pgToolsDir: p?.pgToolsDir ?? '',
  expectedTables: (p?.expectedTables ?? []).join('\n'),
  extraRecipients: (p?.extraRecipients ?? []).join('\n'),
  sampleChecks: (p?.sampleChecks ?? []).map(draftOfCheck),
  dbPassword: '',
  managementToken: '',
  notifyWebhook: '',
  serviceRoleKey: '',
  apiUrl: p?.apiUrl ?? '',
  excludeBuckets: (p?.excludeBuckets ?? []).join(' '),
});

/** A write-only secret: the field never holds a stored value, only says whether one is set. */
function SecretField({ label, stored, value, onChange, hint }: { label: string; stored: boolean | undefined; value: string; onChange: (e: { target: { value: string } }) => void; hint: string }) {
  return (
    <label>
      {label}
      <input type="password" autoComplete="off" value={value} onChange={onChange} placeholder={stored ? 'stored in keychain — type to replace' : hint} />
    </label>
  );
}

/** Secrets are write-only: the form never shows a stored value, only whether one is set. */
export function ProjectForm({ project, onDone }: { project: ProjectView | null; onDone: () => void }) {
  const [draft, setDraft] = useState(() => draftOf(project));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [lookup, setLookup] = useState<SupabaseLookup | null>(null);
  const lookUp = async () => {
    setError(null);
    setLookup(null);
    try {
      const token = draft.managementToken || undefined;
      setLookup(await unwrap(api().lookupSupabase({ ref: draft.supabaseRef.trim(), ...(token ? { token } : project ? { projectId: project.id } : {}) })));
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const use = (endpoint: SupabaseLookup['direct']) =>
    setDraft((d) => ({ ...d, host: endpoint.host, port: String(endpoint.port), database: endpoint.database, user: endpoint.user, sslmode: 'verify-full' }));
  const set = (key: Exclude<keyof Draft, 'sampleChecks'>) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const fields = {
      name: draft.name,
      environment: draft.environment,
      supabaseRef: draft.supabaseRef.trim() || null,
      host: draft.host,
      port: Number(draft.port),
      database: draft.database,
      user: draft.user,
      sslmode: draft.sslmode,
      sslRootCert: draft.sslRootCert.trim() || null,
      pgToolsDir: draft.pgToolsDir.trim() || null,
      expectedTables: draft.expectedTables.split(/[\s,]+/).filter(Boolean),
      extraRecipients: draft.extraRecipients.split(/\s+/).filter(Boolean),
      sampleChecks: draft.sampleChecks.map(checkOfDraft),
      apiUrl: draft.apiUrl.trim() || null,
      excludeBuckets: draft.excludeBuckets.split(/[\s,]+/).filter(Boolean),
    };
    const secrets = {
      ...(draft.dbPassword ? { dbPassword: draft.dbPassword } : {}),
      ...(draft.managementToken ? { managementToken: draft.managementToken } : {}),
      ...(draft.notifyWebhook ? { notifyWebhook: draft.notifyWebhook } : {}),
      ...(draft.serviceRoleKey ? { serviceRoleKey: draft.serviceRoleKey } : {}),
    };
    try {
      if (project) await unwrap(api().updateProject({ id: project.id, changes: { ...fields, secrets } }));
      else await unwrap(api().createProject({ ...fields, secrets }));
      onDone();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-labelledby="form-title">
      <h2 id="form-title">{project ? `Edit ${project.name}` : 'New project'}</h2>
      <ErrorBanner error={error} />
      <label>
        Project name <input value={draft.name} onChange={set('name')} required maxLength={64} />
      </label>
      <label>
        Environment
        <select value={draft.environment} onChange={set('environment')}>
          {environments.map((e) => (
            <option key={e}>{e}</option>
          ))}
        </select>
      </label>
      <div className="row">
        <label>
          Supabase project ref <input value={draft.supabaseRef} onChange={set('supabaseRef')} placeholder="20 lowercase letters (optional)" />
        </label>
        <button type="button" className="align-end" disabled={!/^[a-z]{20}$/.test(draft.supabaseRef.trim())} onClick={() => void lookUp()}>
          Fill from Supabase…
        </button>
      </div>
      {lookup ? (
        <div className="proposal" data-testid="supabase-lookup">
          <p>
            <strong>{lookup.name}</strong> ({lookup.region}), PostgreSQL {lookup.postgresMajor ?? 'unknown'}. Choose how to connect:
          </p>
          {lookup.sessionPooler ? (
            <button type="button" className="primary" onClick={() => use(lookup.sessionPooler!)}>
              Session pooler {lookup.sessionPooler.host}:5432 (IPv4)
            </button>
          ) : null}{' '}
          <button type="button" onClick={() => use(lookup.direct)}>
            Direct host {lookup.direct.host} (IPv6 unless the IPv4 add-on)
          </button>
          <p className="hint">Never the transaction pooler (6543) for backups: pg_dump needs one session. Add Supabase’s CA certificate below to verify the server.</p>
        </div>
      ) : null}
      <div className="row">
        <label>
          Host <input value={draft.host} onChange={set('host')} required placeholder="db.<ref>.supabase.co" />
        </label>
        <label className="narrow">
          Port <input value={draft.port} onChange={set('port')} inputMode="numeric" required />
        </label>
      </div>
      <div className="row">
        <label>
          Database <input value={draft.database} onChange={set('database')} required />
        </label>
        <label>
          User <input value={draft.user} onChange={set('user')} required />
        </label>
        <label>
          SSL mode
          <select value={draft.sslmode} onChange={set('sslmode')}>
            {sslModes.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
      </div>
      {unverifiedSslModes.includes(draft.sslmode) ? (
        <p className="warning" role="alert" data-testid="tls-warning">
          <strong>sslmode {draft.sslmode}:</strong> {unverifiedTlsWarning} Saving it is recorded in the audit trail.
        </p>
      ) : null}
      <label>
        Server CA certificate (PEM; empty trusts the system’s certificate authorities)
        <textarea
          rows={3}
          className="mono"
          value={draft.sslRootCert}
          onChange={set('sslRootCert')}
          placeholder="-----BEGIN CERTIFICATE----- … (Supabase: Project Settings → Database → SSL configuration → Download certificate)"
        />
      </label>
      <label className="file-pick">
        Load the CA certificate from a file
        <input type="file" accept=".crt,.pem,.cer" onChange={(e) => void e.target.files?.[0]?.text().then((text) => setDraft((d) => ({ ...d, sslRootCert: text.trim() })))} />
      </label>
      {project && project.hasDbPassword ? <p className="hint">Changing host, port, database or user needs the database password again: the stored one is only sent where it was entered for.</p> : null}
      <SecretField label="Database password" stored={project?.hasDbPassword} value={draft.dbPassword} onChange={set('dbPassword')} hint="stored only in the OS keychain" />
      <SecretField label="Management API token" stored={project?.hasManagementToken} value={draft.managementToken} onChange={set('managementToken')} hint="optional (sbp_…)" />
      <SecretField
        label="Team notification webhook"
        stored={project?.hasNotifyWebhook}
        value={draft.notifyWebhook}
        onChange={set('notifyWebhook')}
        hint="optional, https://hooks.slack.com/… (the URL is a secret)"
      />
      <SecretField
        label="Supabase service-role key (for Storage objects)"
        stored={project?.hasServiceRoleKey}
        value={draft.serviceRoleKey}
        onChange={set('serviceRoleKey')}
        hint="optional: fetched with the Management API token when empty"
      />
      <label>
        Storage buckets to leave out (space-separated)
        <input className="mono" value={draft.excludeBuckets} onChange={set('excludeBuckets')} placeholder="e.g. thumbnails-cache" />
      </label>
      <label>
        Project API URL (only for self-hosted Supabase or a local stack)
        <input className="mono" value={draft.apiUrl} onChange={set('apiUrl')} placeholder="https://<ref>.supabase.co" />
      </label>
      <label>
        Extra age recipients (one per line, e.g. an offline recovery key)
        <textarea rows={2} value={draft.extraRecipients} onChange={set('extraRecipients')} placeholder="age1…" />
      </label>
      <SampleChecksEditor checks={draft.sampleChecks} onChange={(sampleChecks) => setDraft((d) => ({ ...d, sampleChecks }))} />
      <label>
        PostgreSQL tools folder for this project (optional; before the one in Settings and PATH)
        <input className="mono" value={draft.pgToolsDir} onChange={set('pgToolsDir')} placeholder="/usr/lib/postgresql/17/bin" />
      </label>
      <label>
        Expected tables in public (one per line; a new project gets them proposed by its first connection test)
        <textarea rows={8} value={draft.expectedTables} onChange={set('expectedTables')} />
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
