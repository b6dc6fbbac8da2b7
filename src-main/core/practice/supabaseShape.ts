// A database built the way Supabase builds one (facts from the platform's public setup SQL, repository
// supabase/postgres, migrations/db: init-scripts and migrations, written here from those facts): the
// superuser supabase_admin owns auth, storage and extensions; postgres is demoted to NOSUPERUSER CREATEDB
// CREATEROLE LOGIN REPLICATION BYPASSRLS and granted the auth and storage tables; supabase_auth_admin and
// supabase_storage_admin own their tables; anon/authenticated/service_role get grants and RLS policies;
// the app's migrations (the 31 EduPath tables, a trigger on auth.users, a custom role) run as postgres.
// Used by the practice demo, tests and benchmarks, so the green path is the real path.

import { PLATFORM_ROLES } from '../supabase/platformRoles';

/** Cluster-wide roles as the platform creates them (core/supabase); idempotent because a cluster may host several practice databases. */
export const platformRolesSql = (postgresPassword: string, literal: (s: string) => string) => `
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES ${PLATFORM_ROLES.map((role) => `(${literal(role.name)}, ${literal(role.attributes)})`).join(', ')}) AS v(name, attributes) LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN EXECUTE format('CREATE ROLE %I %s', r.name, r.attributes); END IF;
  END LOOP;
END $$;
${PLATFORM_ROLES.flatMap((role) => role.memberOf.map((group) => `GRANT ${group} TO ${role.name};`)).join('\n')}
ALTER ROLE anon SET statement_timeout = '3s';
ALTER ROLE authenticated SET statement_timeout = '8s';
ALTER ROLE authenticator SET statement_timeout = '8s';
ALTER ROLE supabase_admin SET search_path TO public, extensions;
ALTER ROLE supabase_auth_admin SET search_path = auth;
ALTER ROLE supabase_storage_admin SET search_path = storage;
ALTER ROLE postgres SET search_path TO "$user", public, extensions;
ALTER ROLE postgres WITH PASSWORD ${literal(postgresPassword)};
`;

/** The platform's part, run as supabase_admin in the new database. */
export const platformSql = `
CREATE SCHEMA extensions;
CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions;
CREATE EXTENSION pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA public TO postgres;
GRANT USAGE ON SCHEMA extensions TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
CREATE PUBLICATION supabase_realtime;

-- PostgREST's schema cache watch: an event trigger, which only a superuser may create.
CREATE FUNCTION extensions.pgrst_ddl_watch() RETURNS event_trigger LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM pg_notify('pgrst', 'reload schema'); END $f$;
CREATE EVENT TRIGGER pgrst_ddl_watch ON ddl_command_end EXECUTE FUNCTION extensions.pgrst_ddl_watch();

CREATE SCHEMA auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT ALL ON SCHEMA auth TO supabase_auth_admin;
CREATE TABLE auth.users (
  id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
  email text UNIQUE,
  encrypted_password text,
  email_confirmed_at timestamptz,
  raw_user_meta_data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE auth.identities (
  id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  provider text NOT NULL,
  identity_data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE auth.sessions (
  id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  not_after timestamptz
);
CREATE TABLE auth.schema_migrations (version text PRIMARY KEY);
INSERT INTO auth.schema_migrations VALUES ('20171026211738'), ('20180103212743'), ('20221208132122');
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
  $f$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $f$;
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS
  $f$ SELECT nullif(current_setting('request.jwt.claim.role', true), '')::text $f$;
ALTER TABLE auth.users OWNER TO supabase_auth_admin;
ALTER TABLE auth.identities OWNER TO supabase_auth_admin;
ALTER TABLE auth.sessions OWNER TO supabase_auth_admin;
ALTER TABLE auth.schema_migrations OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.role() OWNER TO supabase_auth_admin;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role() TO anon, authenticated, service_role;

CREATE SCHEMA storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
GRANT ALL ON SCHEMA storage TO supabase_storage_admin;
CREATE TABLE storage.buckets (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  public boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE storage.objects (
  id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
  bucket_id text REFERENCES storage.buckets(id),
  name text NOT NULL,
  owner uuid,
  metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (bucket_id, name)
);
CREATE TABLE storage.migrations (id integer PRIMARY KEY, name text NOT NULL UNIQUE, executed_at timestamptz DEFAULT now());
INSERT INTO storage.migrations (id, name) VALUES (0, 'create-migrations-table'), (1, 'initialmigration');
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
CREATE POLICY "owners read their objects" ON storage.objects FOR SELECT TO authenticated USING (owner = auth.uid());
ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
ALTER TABLE storage.objects OWNER TO supabase_storage_admin;
ALTER TABLE storage.migrations OWNER TO supabase_storage_admin;
GRANT ALL ON ALL TABLES IN SCHEMA storage TO anon, authenticated, service_role;

-- Demote postgres as the platform does, keeping its access to auth, storage and extensions.
GRANT ALL ON SCHEMA auth, storage, extensions TO postgres;
GRANT ALL ON ALL TABLES IN SCHEMA auth, storage, extensions TO postgres;
GRANT ALL ON ALL SEQUENCES IN SCHEMA auth, storage, extensions TO postgres;
GRANT ALL ON ALL ROUTINES IN SCHEMA auth, storage, extensions TO postgres;
REVOKE ALL ON TABLE auth.schema_migrations, storage.migrations FROM postgres;
GRANT SELECT ON TABLE auth.schema_migrations, storage.migrations TO postgres;
`;

/** The app's migrations, run as postgres (as Supabase's SQL editor and CLI do). */
export const appSql = `
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'edupath_reporting') THEN CREATE ROLE edupath_reporting NOLOGIN; END IF;
END $$;
COMMENT ON ROLE edupath_reporting IS 'Read-only role for the weekly admissions report';
CREATE TABLE public.users (
  id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
  auth_id uuid UNIQUE REFERENCES auth.users(id) ON DELETE SET NULL,
  email text NOT NULL UNIQUE,
  full_name text NOT NULL,
  role text NOT NULL DEFAULT 'student' CHECK (role IN ('student','staff','admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);
CREATE TABLE public.universities (
  id bigserial PRIMARY KEY, name text NOT NULL, country text NOT NULL, city text, ranking integer, website text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.courses (
  id bigserial PRIMARY KEY, university_id bigint NOT NULL REFERENCES public.universities(id), title text NOT NULL,
  level text NOT NULL CHECK (level IN ('bachelor','master','phd','diploma')), tuition_fee numeric(10,2),
  duration_months integer, intake_months text[], description text
);
CREATE INDEX courses_university ON public.courses(university_id);
CREATE TABLE public.student_profiles (
  id bigserial PRIMARY KEY, user_id uuid NOT NULL UNIQUE REFERENCES public.users(id) ON DELETE CASCADE,
  date_of_birth date, nationality text, gpa numeric(3,2), preferences jsonb NOT NULL DEFAULT '{}', bio text
);
CREATE TABLE public.applications (
  id bigserial PRIMARY KEY, student_id bigint NOT NULL REFERENCES public.student_profiles(id) ON DELETE CASCADE,
  course_id bigint NOT NULL REFERENCES public.courses(id),
  status text NOT NULL CHECK (status IN ('draft','submitted','review','accepted','rejected','withdrawn')),
  submitted_at timestamptz, decision_at timestamptz, notes text
);
CREATE INDEX applications_student ON public.applications(student_id);
CREATE TABLE public.documents (
  id bigserial PRIMARY KEY, application_id bigint REFERENCES public.applications(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES public.users(id), kind text NOT NULL, storage_path text NOT NULL,
  size_bytes bigint NOT NULL, checksum text NOT NULL, thumbnail bytea, uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.notifications (
  id bigserial PRIMARY KEY, user_id uuid NOT NULL REFERENCES public.users(id) ON DELETE CASCADE, kind text NOT NULL,
  title text NOT NULL, body text, read_at timestamptz, created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_unread ON public.notifications(user_id) WHERE read_at IS NULL;
CREATE TABLE public.events (
  id bigserial PRIMARY KEY, title text NOT NULL, starts_at timestamptz NOT NULL, ends_at timestamptz,
  location text, capacity integer, description text
);
CREATE TABLE public.event_registrations (
  id bigserial PRIMARY KEY, event_id bigint NOT NULL REFERENCES public.events(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES public.users(id), registered_at timestamptz NOT NULL DEFAULT now(),
  attended boolean, UNIQUE (event_id, user_id)
);
CREATE TABLE public.ai_matching_results (
  id bigserial PRIMARY KEY, student_id bigint NOT NULL REFERENCES public.student_profiles(id) ON DELETE CASCADE,
  course_id bigint NOT NULL REFERENCES public.courses(id), score real NOT NULL, explanation jsonb,
  model_version text NOT NULL, created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.testimonials (
  id bigserial PRIMARY KEY, user_id uuid REFERENCES public.users(id) ON DELETE SET NULL,
  university_id bigint REFERENCES public.universities(id), rating smallint CHECK (rating BETWEEN 1 AND 5),
  body text NOT NULL, approved boolean NOT NULL DEFAULT false
);
CREATE TABLE public.custom_fields (
  id bigserial PRIMARY KEY, entity text NOT NULL, label text NOT NULL, field_type text NOT NULL,
  options jsonb, required boolean NOT NULL DEFAULT false
);
CREATE TABLE public.custom_field_values (
  id bigserial PRIMARY KEY, field_id bigint NOT NULL REFERENCES public.custom_fields(id) ON DELETE CASCADE,
  entity_id bigint NOT NULL, value text
);
CREATE TABLE public.student_timeline (
  id bigserial PRIMARY KEY, student_id bigint NOT NULL REFERENCES public.student_profiles(id) ON DELETE CASCADE,
  event_type text NOT NULL, payload jsonb NOT NULL, occurred_at timestamptz NOT NULL
);
CREATE TABLE public.chat_messages (
  id bigserial PRIMARY KEY, sender_id uuid NOT NULL REFERENCES public.users(id), recipient_id uuid NOT NULL REFERENCES public.users(id),
  body text NOT NULL, attachments jsonb, sent_at timestamptz NOT NULL, read_at timestamptz
);
CREATE INDEX chat_messages_recipient ON public.chat_messages(recipient_id, sent_at);
CREATE TABLE public.security_settings (id bigserial PRIMARY KEY, key text NOT NULL UNIQUE, value jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE public.ip_registration_limits (id bigserial PRIMARY KEY, ip inet NOT NULL, window_start timestamptz NOT NULL, attempts integer NOT NULL DEFAULT 0);
CREATE TABLE public.login_attempts (id bigserial PRIMARY KEY, email text NOT NULL, ip inet, succeeded boolean NOT NULL, attempted_at timestamptz NOT NULL, user_agent text);
CREATE TABLE public.security_events (
  id bigserial PRIMARY KEY, user_id uuid REFERENCES public.users(id) ON DELETE SET NULL, kind text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('info','warning','critical')), details jsonb, created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.staff_invitation_links (
  id bigserial PRIMARY KEY, token_hash text NOT NULL UNIQUE, invited_email text NOT NULL, role text NOT NULL,
  expires_at timestamptz NOT NULL, used_at timestamptz, created_by uuid REFERENCES public.users(id)
);
CREATE TABLE public.subscription_plans (
  id bigserial PRIMARY KEY, code text NOT NULL UNIQUE, name text NOT NULL, price_cents integer NOT NULL,
  currency char(3) NOT NULL, billing_interval text NOT NULL, features jsonb NOT NULL DEFAULT '[]'
);
CREATE TABLE public.subscriptions (
  id bigserial PRIMARY KEY, plan_id bigint NOT NULL REFERENCES public.subscription_plans(id), external_ref text,
  status text NOT NULL, started_at timestamptz NOT NULL, cancelled_at timestamptz
);
CREATE TABLE public.user_subscriptions (
  id bigserial PRIMARY KEY, user_id uuid NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
  subscription_id bigint NOT NULL REFERENCES public.subscriptions(id), role text NOT NULL DEFAULT 'owner',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.payment_settings (id bigserial PRIMARY KEY, provider text NOT NULL, public_config jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE public.forum_posts_enhanced (
  id bigserial PRIMARY KEY, author_id uuid NOT NULL REFERENCES public.users(id), title text NOT NULL, body text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}', is_poll boolean NOT NULL DEFAULT false, poll_options jsonb,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz
);
CREATE TABLE public.forum_comments (
  id bigserial PRIMARY KEY, post_id bigint NOT NULL REFERENCES public.forum_posts_enhanced(id) ON DELETE CASCADE,
  author_id uuid NOT NULL REFERENCES public.users(id), parent_id bigint REFERENCES public.forum_comments(id),
  body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.forum_likes (
  post_id bigint NOT NULL REFERENCES public.forum_posts_enhanced(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES public.users(id), created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (post_id, user_id)
);
CREATE TABLE public.forum_saves (
  post_id bigint NOT NULL REFERENCES public.forum_posts_enhanced(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES public.users(id), created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (post_id, user_id)
);
CREATE TABLE public.forum_poll_votes (
  id bigserial PRIMARY KEY, post_id bigint NOT NULL REFERENCES public.forum_posts_enhanced(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES public.users(id), option_index smallint NOT NULL, voted_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (post_id, user_id)
);
CREATE TABLE public.forum_post_reports (
  id bigserial PRIMARY KEY, post_id bigint NOT NULL REFERENCES public.forum_posts_enhanced(id) ON DELETE CASCADE,
  reporter_id uuid NOT NULL REFERENCES public.users(id), reason text NOT NULL, status text NOT NULL DEFAULT 'open',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.forum_post_limits (
  user_id uuid PRIMARY KEY REFERENCES public.users(id) ON DELETE CASCADE, posts_today integer NOT NULL DEFAULT 0, window_start date NOT NULL
);

ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY "users read themselves" ON public.users FOR SELECT TO authenticated USING (auth_id = auth.uid());
ALTER TABLE public.notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own notifications" ON public.notifications FOR ALL TO authenticated
  USING (user_id IN (SELECT id FROM public.users WHERE auth_id = auth.uid()));
ALTER TABLE public.chat_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY "participants read messages" ON public.chat_messages FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.users u WHERE u.auth_id = auth.uid() AND u.id IN (sender_id, recipient_id)));
ALTER TABLE public.forum_posts_enhanced ENABLE ROW LEVEL SECURITY;
CREATE POLICY "posts are public" ON public.forum_posts_enhanced FOR SELECT TO anon, authenticated USING (true);

GRANT SELECT ON ALL TABLES IN SCHEMA public TO edupath_reporting;

-- New sign-ups are recorded by a trigger on auth.users (a SECURITY DEFINER function owned by postgres).
CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $f$
BEGIN
  INSERT INTO public.security_events (user_id, kind, severity, details, created_at)
  VALUES (NULL, 'signup', 'info', jsonb_build_object('auth_id', NEW.id), NEW.created_at);
  RETURN NEW;
END $f$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
`;
