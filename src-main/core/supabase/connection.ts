// Supabase's connection forms (facts in ../shared/DESIGN.md): the direct host db.<ref>.supabase.co:5432
// (IPv6 only without the IPv4 add-on), and the shared pooler <region>.pooler.supabase.com with user
// postgres.<ref>: session mode on 5432, transaction mode on 6543. pg_dump needs one session for its
// exported snapshot, which transaction mode cannot give.

export type SupabaseEndpoint = 'direct' | 'session-pooler' | 'transaction-pooler';

const POOLER_HOST = /\.pooler\.supabase\.com\.?$/i;
const DIRECT_HOST = /^db\.[a-z]{20}\.supabase\.co\.?$/i;
const POOLER_USER = /^[A-Za-z_][A-Za-z0-9_]*\.[a-z]{20}$/;

/** Which Supabase endpoint a profile points at, or null for any other server. */
export function supabaseEndpoint(target: { host: string; port: number; user: string }): SupabaseEndpoint | null {
  const pooler = POOLER_HOST.test(target.host) || (POOLER_USER.test(target.user) && /supabase\.(com|co)\.?$/i.test(target.host));
  if (pooler) return target.port === 6543 ? 'transaction-pooler' : 'session-pooler';
  if (DIRECT_HOST.test(target.host)) return target.port === 6543 ? 'transaction-pooler' : 'direct';
  return null;
}
