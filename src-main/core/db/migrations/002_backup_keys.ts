// Backups (issue #3): each project gets an age key (identity in the keychain, recipient here),
// optional extra recipients (an offline break-glass key), and schemas to leave out of the dump.
export const sql = `
ALTER TABLE projects ADD COLUMN age_recipient TEXT;
ALTER TABLE projects ADD COLUMN age_identity_ref TEXT;
ALTER TABLE projects ADD COLUMN extra_recipients TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN exclude_schemas TEXT NOT NULL DEFAULT '[]';
`;
