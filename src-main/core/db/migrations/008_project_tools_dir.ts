// Issue #13: a project's own PostgreSQL tools folder (the installation's is a row in settings).
export const sql = `ALTER TABLE projects ADD COLUMN pg_tools_dir TEXT;`;
