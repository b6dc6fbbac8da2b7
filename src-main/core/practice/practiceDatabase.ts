import type pg from 'pg';
import { WardenError } from '../errors';
import { withPgClient, type PgTarget } from '../pg/connect';
import { startScratchCluster, type ScratchCluster } from '../rehearse/scratchCluster';
import { appSql, platformRolesSql, platformSql } from './supabaseShape';

// Deterministic "realistic" data: the same target size gives the same database, so counts and
// fingerprints in tests and benchmarks are reproducible. Helpers live in pg_temp: they are not dumped.
const helpersSql = `
CREATE FUNCTION pg_temp.lorem(seed bigint, n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg((ARRAY['application','deadline','visa','scholarship','campus','tuition','interview','transcript',
    'offer','housing','semester','portfolio','essay','reference','enrolment','orientation','credit','module','lecture',
    'exam'])[1 + ((seed * 31 + g * 17 + g * g) % 20)::int], ' ') FROM generate_series(1, n) g $$;
CREATE FUNCTION pg_temp.uid(kind text, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
  SELECT extensions.uuid_generate_v5(extensions.uuid_ns_url(), kind || '-' || n) $$;
CREATE FUNCTION pg_temp.ts(n bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => (n * 7919) % 63072000) $$;
`;

const USERS = 2000;
const POSTS = 2000;

const baseDataSql = `
INSERT INTO auth.users (id, email, encrypted_password, email_confirmed_at, raw_user_meta_data, created_at)
  SELECT pg_temp.uid('auth', g), 'user' || g || '@example.edu', '$2a$10$' || md5('pw' || g), pg_temp.ts(g),
         jsonb_build_object('full_name', initcap(pg_temp.lorem(g, 2)), 'locale', (ARRAY['en','de','fr','es'])[1 + g % 4]), pg_temp.ts(g)
  FROM generate_series(1, ${USERS}) g;
INSERT INTO auth.identities (user_id, provider, identity_data)
  SELECT pg_temp.uid('auth', g), (ARRAY['email','google','github'])[1 + g % 3], jsonb_build_object('sub', g) FROM generate_series(1, ${USERS}) g;
INSERT INTO auth.sessions (user_id, created_at) SELECT pg_temp.uid('auth', 1 + g % ${USERS}), pg_temp.ts(g) FROM generate_series(1, 3000) g;
INSERT INTO public.users (id, auth_id, email, full_name, role, created_at, last_login_at)
  SELECT pg_temp.uid('user', g), pg_temp.uid('auth', g), 'user' || g || '@example.edu', initcap(pg_temp.lorem(g, 2)),
         CASE WHEN g % 50 = 0 THEN 'staff' WHEN g % 500 = 0 THEN 'admin' ELSE 'student' END, pg_temp.ts(g), pg_temp.ts(g * 3)
  FROM generate_series(1, ${USERS}) g;
INSERT INTO public.universities (name, country, city, ranking, website)
  SELECT initcap(pg_temp.lorem(g, 2)) || ' University', (ARRAY['DE','FR','NL','UK','US','CA','AU','ES'])[1 + g % 8],
         initcap(pg_temp.lorem(g + 7, 1)), g, 'https://uni' || g || '.example.edu' FROM generate_series(1, 200) g;
INSERT INTO public.courses (university_id, title, level, tuition_fee, duration_months, intake_months, description)
  SELECT 1 + g % 200, initcap(pg_temp.lorem(g, 3)), (ARRAY['bachelor','master','phd','diploma'])[1 + g % 4],
         (5000 + (g * 37) % 30000)::numeric(10,2), 12 * (1 + g % 4), ARRAY['sep','feb'], pg_temp.lorem(g, 40)
  FROM generate_series(1, 2000) g;
INSERT INTO public.student_profiles (user_id, date_of_birth, nationality, gpa, preferences, bio)
  SELECT pg_temp.uid('user', g), date '1995-01-01' + (g % 3000), (ARRAY['IN','NG','CN','BR','VN','PK','DE'])[1 + g % 7],
         (2 + (g % 200) / 100.0)::numeric(3,2), jsonb_build_object('budget', 10000 + g % 20000, 'countries', ARRAY['DE','NL']),
         pg_temp.lorem(g, 30)
  FROM generate_series(1, ${(USERS * 4) / 5}) g;
INSERT INTO public.applications (student_id, course_id, status, submitted_at, decision_at, notes)
  SELECT 1 + g % ${(USERS * 4) / 5}, 1 + g % 2000, (ARRAY['draft','submitted','review','accepted','rejected','withdrawn'])[1 + g % 6],
         pg_temp.ts(g), CASE WHEN g % 3 = 0 THEN pg_temp.ts(g + 86400) END, pg_temp.lorem(g, 12)
  FROM generate_series(1, 6000) g;
INSERT INTO public.events (title, starts_at, ends_at, location, capacity, description)
  SELECT initcap(pg_temp.lorem(g, 3)), pg_temp.ts(g), pg_temp.ts(g) + interval '2 hours', initcap(pg_temp.lorem(g, 1)), 50 + g, pg_temp.lorem(g, 25)
  FROM generate_series(1, 100) g;
INSERT INTO public.event_registrations (event_id, user_id, registered_at, attended)
  SELECT 1 + g % 100, pg_temp.uid('user', 1 + g / 100), pg_temp.ts(g), g % 4 <> 0 FROM generate_series(0, 2999) g;
INSERT INTO public.ai_matching_results (student_id, course_id, score, explanation, model_version, created_at)
  SELECT 1 + g % ${(USERS * 4) / 5}, 1 + (g * 7) % 2000, ((g * 13) % 1000) / 1000.0,
         jsonb_build_object('reasons', ARRAY[pg_temp.lorem(g, 4), pg_temp.lorem(g + 1, 4)]), 'matcher-v' || (1 + g % 3), pg_temp.ts(g)
  FROM generate_series(1, 5000) g;
INSERT INTO public.testimonials (user_id, university_id, rating, body, approved)
  SELECT pg_temp.uid('user', 1 + g % ${USERS}), 1 + g % 200, 1 + g % 5, pg_temp.lorem(g, 50), g % 3 = 0 FROM generate_series(1, 500) g;
INSERT INTO public.custom_fields (entity, label, field_type, options, required)
  SELECT (ARRAY['application','student'])[1 + g % 2], initcap(pg_temp.lorem(g, 2)), (ARRAY['text','number','select'])[1 + g % 3],
         CASE WHEN g % 3 = 2 THEN '["a","b","c"]'::jsonb END, g % 4 = 0 FROM generate_series(1, 20) g;
INSERT INTO public.custom_field_values (field_id, entity_id, value) SELECT 1 + g % 20, 1 + g % 6000, pg_temp.lorem(g, 3) FROM generate_series(1, 2000) g;
INSERT INTO public.security_settings (key, value) SELECT 'setting_' || g, jsonb_build_object('enabled', g % 2 = 0, 'limit', g * 10) FROM generate_series(1, 10) g;
INSERT INTO public.ip_registration_limits (ip, window_start, attempts)
  SELECT ('10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256)::inet, pg_temp.ts(g), g % 10 FROM generate_series(1, 500) g;
INSERT INTO public.security_events (user_id, kind, severity, details, created_at)
  SELECT pg_temp.uid('user', 1 + g % ${USERS}), (ARRAY['password_reset','mfa_enabled','suspicious_login'])[1 + g % 3],
         (ARRAY['info','warning','critical'])[1 + g % 3], jsonb_build_object('ip', '10.0.0.' || g % 256), pg_temp.ts(g)
  FROM generate_series(1, 1000) g;
INSERT INTO public.staff_invitation_links (token_hash, invited_email, role, expires_at, used_at, created_by)
  SELECT md5('invite' || g), 'staff' || g || '@example.edu', 'staff', pg_temp.ts(g) + interval '7 days',
         CASE WHEN g % 2 = 0 THEN pg_temp.ts(g + 3600) END, pg_temp.uid('user', 50) FROM generate_series(1, 50) g;
INSERT INTO public.subscription_plans (code, name, price_cents, currency, billing_interval, features) VALUES
  ('free', 'Free', 0, 'EUR', 'month', '["search"]'), ('plus', 'Plus', 900, 'EUR', 'month', '["search","matching"]'),
  ('pro', 'Pro', 2900, 'EUR', 'month', '["search","matching","advisor"]'), ('pro-year', 'Pro (yearly)', 29000, 'EUR', 'year', '["search","matching","advisor"]');
INSERT INTO public.subscriptions (plan_id, external_ref, status, started_at, cancelled_at)
  SELECT 1 + g % 4, 'sub_' || md5(g::text), (ARRAY['active','past_due','cancelled'])[1 + g % 3], pg_temp.ts(g),
         CASE WHEN g % 3 = 2 THEN pg_temp.ts(g + 999999) END FROM generate_series(1, 500) g;
INSERT INTO public.user_subscriptions (user_id, subscription_id) SELECT pg_temp.uid('user', g), g FROM generate_series(1, 500) g;
INSERT INTO public.payment_settings (provider, public_config) VALUES ('stripe', '{"mode":"live","currency":"EUR"}'), ('paypal', '{"mode":"off"}');
INSERT INTO public.forum_posts_enhanced (author_id, title, body, tags, is_poll, poll_options, created_at)
  SELECT pg_temp.uid('user', 1 + g % ${USERS}), initcap(pg_temp.lorem(g, 6)), pg_temp.lorem(g, 120), ARRAY[pg_temp.lorem(g, 1), pg_temp.lorem(g + 3, 1)],
         g % 10 = 0, CASE WHEN g % 10 = 0 THEN '["yes","no","maybe"]'::jsonb END, pg_temp.ts(g)
  FROM generate_series(1, ${POSTS}) g;
INSERT INTO public.forum_comments (post_id, author_id, parent_id, body, created_at)
  SELECT 1 + g % ${POSTS}, pg_temp.uid('user', 1 + (g * 3) % ${USERS}), NULL, pg_temp.lorem(g, 30), pg_temp.ts(g) FROM generate_series(1, 6000) g;
UPDATE public.forum_comments SET parent_id = id - 1 WHERE id % 5 = 0;
INSERT INTO public.forum_likes (post_id, user_id) SELECT 1 + g % ${POSTS}, pg_temp.uid('user', 1 + g / ${POSTS}) FROM generate_series(0, 3999) g;
INSERT INTO public.forum_saves (post_id, user_id) SELECT 1 + g % ${POSTS}, pg_temp.uid('user', 3 + g / ${POSTS}) FROM generate_series(0, 1999) g;
INSERT INTO public.forum_poll_votes (post_id, user_id, option_index)
  SELECT 10 * (1 + g % 200), pg_temp.uid('user', 1 + g / 200), g % 3 FROM generate_series(0, 999) g;
INSERT INTO public.forum_post_reports (post_id, reporter_id, reason)
  SELECT 1 + (g * 17) % ${POSTS}, pg_temp.uid('user', 1 + g), pg_temp.lorem(g, 8) FROM generate_series(1, 100) g;
INSERT INTO public.forum_post_limits (user_id, posts_today, window_start)
  SELECT pg_temp.uid('user', g), g % 5, date '2024-06-01' FROM generate_series(1, 1000) g;
INSERT INTO storage.buckets (id, name, public) VALUES ('documents', 'documents', false), ('avatars', 'avatars', true), ('exports', 'exports', false);
-- Files the app keeps in Storage, as its rows describe them: avatars in per-cohort folders, monthly exports three levels deep.
INSERT INTO storage.objects (bucket_id, name, owner, metadata)
  SELECT 'avatars', 'cohort-' || (g % 12) || '/' || pg_temp.uid('user', g) || '.png', pg_temp.uid('user', g), jsonb_build_object('size', 800 + (g * 131) % 6000, 'mimetype', 'image/png')
  FROM generate_series(1, 300) g;
INSERT INTO storage.objects (bucket_id, name, metadata)
  SELECT 'exports', 'reports/' || (2025 + g / 12) || '/' || lpad((1 + g % 12)::text, 2, '0') || '/summary.csv', jsonb_build_object('size', 20000 + g * 997, 'mimetype', 'text/csv')
  FROM generate_series(0, 23) g;
`;

/** One growth round: the tables that grow in a real project (messages, notifications, timeline, logins, documents). */
const growthSql = (round: number, n: number): string => {
  const from = round * n + 1;
  const to = (round + 1) * n;
  return `
INSERT INTO public.chat_messages (sender_id, recipient_id, body, attachments, sent_at, read_at)
  SELECT pg_temp.uid('user', 1 + g % ${USERS}), pg_temp.uid('user', 1 + (g * 7 + 1) % ${USERS}), pg_temp.lorem(g, 20 + g % 40),
         CASE WHEN g % 9 = 0 THEN jsonb_build_array(jsonb_build_object('name', 'file' || g || '.pdf', 'size', g % 100000)) END,
         pg_temp.ts(g), CASE WHEN g % 4 <> 0 THEN pg_temp.ts(g + 600) END
  FROM generate_series(${from}::bigint, ${to}) g;
INSERT INTO public.notifications (user_id, kind, title, body, read_at, created_at)
  SELECT pg_temp.uid('user', 1 + g % ${USERS}), (ARRAY['application','message','event','system'])[1 + g % 4], initcap(pg_temp.lorem(g, 4)),
         pg_temp.lorem(g, 25), CASE WHEN g % 3 = 0 THEN pg_temp.ts(g + 60) END, pg_temp.ts(g)
  FROM generate_series(${from}::bigint, ${from + Math.floor(n / 2)}) g;
INSERT INTO public.student_timeline (student_id, event_type, payload, occurred_at)
  SELECT 1 + g % ${(USERS * 4) / 5}, (ARRAY['viewed_course','applied','uploaded','message'])[1 + g % 4],
         jsonb_build_object('course', 1 + g % 2000, 'note', pg_temp.lorem(g, 6), 'score', (g % 1000) / 10.0), pg_temp.ts(g)
  FROM generate_series(${from}::bigint, ${from + Math.floor(n / 2)}) g;
INSERT INTO public.login_attempts (email, ip, succeeded, attempted_at, user_agent)
  SELECT 'user' || (1 + g % ${USERS}) || '@example.edu', ('192.168.' || (g / 256) % 256 || '.' || g % 256)::inet, g % 7 <> 0, pg_temp.ts(g),
         'Mozilla/5.0 (' || (ARRAY['X11; Linux x86_64','Macintosh','Windows NT 10.0'])[1 + g % 3] || ') Browser/' || (100 + g % 30)
  FROM generate_series(${from}::bigint, ${from + Math.floor(n / 4)}) g;
WITH docs AS (
  INSERT INTO public.documents (application_id, user_id, kind, storage_path, size_bytes, checksum, thumbnail, uploaded_at)
    SELECT 1 + g % 6000, pg_temp.uid('user', 1 + g % ${USERS}), (ARRAY['passport','transcript','essay','reference'])[1 + g % 4],
           (ARRAY['passport','transcript','essay','reference'])[1 + g % 4] || '/' || (g % 20) || '/' || g || '.pdf', 1024 + (g * 7919) % 24576, md5('doc' || g), decode(repeat(md5(g::text), 16), 'hex'), pg_temp.ts(g)
    FROM generate_series(${from}::bigint, ${from + Math.floor(n / 10)}) g
    RETURNING id, user_id, storage_path, size_bytes)
INSERT INTO storage.objects (bucket_id, name, owner, metadata)
  SELECT 'documents', storage_path, user_id, jsonb_build_object('size', size_bytes, 'mimetype', 'application/pdf') FROM docs;
`;
};

export interface PracticeResult {
  database: string;
  databaseSizeBytes: number;
  rounds: number;
}

/** The role the practice project connects as: Supabase's postgres, not a superuser. */
export const PRACTICE_USER = 'postgres';

/**
 * Creates `database` on the server behind `admin` (a superuser connection) the way Supabase builds a
 * project, and fills it to about targetBytes. The platform's part runs as supabase_admin, the app's
 * migrations and data as the demoted postgres, whose password becomes admin's. Refuses to touch an
 * existing database: this is for scratch servers only.
 */
export async function buildPracticeDatabase(
  admin: PgTarget & { password: string },
  database: string,
  options: { targetBytes: number; onRound?: (round: number, bytes: number) => void },
): Promise<PracticeResult> {
  await withPgClient(admin, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount) throw new WardenError('CONFLICT', `Database "${database}" already exists; the practice builder only creates new databases.`);
    await client.query(platformRolesSql(admin.password, (v) => client.escapeLiteral(v)));
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER supabase_admin`);
    await client.query(`GRANT ALL ON DATABASE ${client.escapeIdentifier(database)} TO postgres`);
  });
  return withPgClient({ ...admin, database }, async (client) => {
    await client.query('SET ROLE supabase_admin');
    await client.query(platformSql);
    await client.query('SET ROLE postgres');
    await client.query(appSql);
    await client.query(helpersSql);
    await client.query(baseDataSql);
    let size = await databaseSize(client);
    let round = 0;
    const perRound = 40_000;
    while (size < options.targetBytes) {
      await client.query(growthSql(round, perRound));
      round++;
      size = await databaseSize(client);
      options.onRound?.(round, size);
    }
    await client.query('RESET ROLE');
    // Settle the new rows (hint bits, visibility map, statistics) so the first reader, whoever it is,
    // does not pay for writing them: benchmarks compare like with like.
    await client.query('VACUUM (ANALYZE)');
    await client.query('CHECKPOINT');
    return { database, databaseSizeBytes: await databaseSize(client), rounds: round };
  });
}

async function databaseSize(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ s: string }>('SELECT pg_database_size(current_database()) AS s');
  return Number(rows[0]!.s);
}

/** A server on loopback TCP playing a Supabase project (the practice database), for the demo, tests and benchmarks. */
export async function startPracticeServer(options: { targetBytes: number; onRound?: (round: number, bytes: number) => void }): Promise<{
  cluster: ScratchCluster;
  source: PgTarget & { password: string };
  built: PracticeResult;
}> {
  // As on the platform, supabase_admin is the server's bootstrap superuser.
  const cluster = await startScratchCluster({ tcp: true, superuser: 'supabase_admin' });
  try {
    const built = await buildPracticeDatabase(cluster.target, 'practice', options);
    return { cluster, source: { ...cluster.target, database: 'practice', user: PRACTICE_USER }, built };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
