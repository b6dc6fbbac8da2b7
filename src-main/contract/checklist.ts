/** The checklist of one backup run, in order (DESIGN.md §2). Plain values: the renderer shows them too. */
export const checklistItems = [
  { key: 'prerequisites', title: 'Prerequisites checked', mode: 'verified' },
  { key: 'backup', title: 'Backup created and encrypted', mode: 'verified' },
  { key: 'storage', title: 'Storage objects backed up', mode: 'verified' },
  { key: 'integrity', title: 'Integrity verified', mode: 'verified' },
  { key: 'recovery', title: 'Backup opens without this workstation', mode: 'verified' },
  { key: 'log', title: 'Backup log filled in', mode: 'verified' },
  { key: 'rehearsal', title: 'Restore rehearsed', mode: 'verified' },
  { key: 'sign-off', title: 'Two-person sign-off', mode: 'attested' },
  { key: 'notify', title: 'Team notified', mode: 'attested' },
] as const;
export type ChecklistKey = (typeof checklistItems)[number]['key'];
export type ItemState = 'pending' | 'running' | 'passed' | 'partial' | 'failed' | 'skipped';
export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
