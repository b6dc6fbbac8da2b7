// Secrets must never reach logs, audit rows, reports or error messages. Two layers:
// patterns that look like credentials (URL userinfo, key=value, bearer tokens), and the exact
// values of every secret this process has handled (registered by the vault).

const REDACTED = '[redacted]';
const knownSecrets = new Set<string>();
// Shorter values would scrub ordinary words out of messages; such secrets are still kept out of
// messages by construction (they are never interpolated), this is the second line of defence.
const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value);
}

export function containsKnownSecret(text: string): boolean {
  for (const secret of knownSecrets) if (text.includes(secret)) return true;
  return false;
}

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]+):([^@/\s]+)@/gi;
const KEY_VALUE = /\b(password|passwd|pwd|passfile|token|api[_-]?key|secret|sslpassword)(\s*[=:]\s*)('(?:[^'\\]|\\.)*'|"[^"]*"|[^\s,;&]+)/gi;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g;
const SUPABASE_TOKEN = /\bsbp_[A-Za-z0-9]{16,}\b/g;

export function redact(text: string): string {
  let out = text
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(KEY_VALUE, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(SUPABASE_TOKEN, REDACTED);
  // Longest first, so a secret that contains another is scrubbed whole.
  for (const secret of [...knownSecrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
  return out;
}
