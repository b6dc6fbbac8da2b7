// Rehearsals (issue #4): each project keeps structured sample checks run against the restored copy.
export const sql = `
ALTER TABLE projects ADD COLUMN sample_checks TEXT NOT NULL DEFAULT '[]';
`;
