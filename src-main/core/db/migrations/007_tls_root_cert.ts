// Issue #13: profiles verify the server's certificate; the CA that signs it (PEM text) lives with the
// profile. NULL trusts the system's CA store. Existing profiles keep their sslmode and are warned about.
export const sql = `ALTER TABLE projects ADD COLUMN ssl_root_cert TEXT;`;
