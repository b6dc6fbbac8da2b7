// Schemas the platform manages. When a backup leaves them out, public objects that reference them
// (RLS policies calling auth.uid()) still need something to refer to: stand-ins, our own fixed SQL.

export const AUTH_STAND_INS = `
CREATE SCHEMA IF NOT EXISTS auth;
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('request.jwt.claim.role', true), '') $$;
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;
`;

/** Managed schemas that get an empty stand-in when left out of a dump. */
export const EMPTY_STAND_IN_SCHEMAS = ['storage', 'extensions'];
