import { createClient } from '@supabase/supabase-js';

/** Backup Warden never opens Realtime; supabase-js wants a WebSocket class where the runtime has none (Node 20). */
class NoRealtime {
  constructor() {
    throw new Error('Backup Warden does not use Supabase Realtime');
  }
}

/** A supabase-js client with the service-role key, for this process only: no session kept, no refresh, no Realtime. */
export function serviceClient(apiUrl: string, serviceRoleKey: string): ReturnType<typeof createClient> {
  return createClient(apiUrl, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: NoRealtime as never },
  });
}

/** How many users Supabase Auth holds now (auth.admin.listUsers with one user per page: its total). */
export async function liveAuthUsers(apiUrl: string, serviceRoleKey: string): Promise<number> {
  const { data, error } = await serviceClient(apiUrl, serviceRoleKey).auth.admin.listUsers({ page: 1, perPage: 1 });
  if (error) throw error;
  return data.total;
}
