// Issue #14: when the project's recovery key (its age identity) was last exported for escrow.
export const sql = `ALTER TABLE projects ADD COLUMN key_escrowed_at TEXT;`;
