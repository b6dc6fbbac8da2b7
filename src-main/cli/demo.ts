// `npm run demo`: the practice run on an embedded database (issue #6). Until the backup engine and
// rehearsal land, it says so plainly instead of pretending.
console.log(
  [
    'Backup Warden practice demo: not yet available.',
    'It will start an embedded PostgreSQL, build a Supabase-shaped practice database and run',
    'backup → verify → rehearse → log → signed export into ./demo-output, with no credentials needed.',
    'Today the foundation is in place: run `npm test` to exercise the vault, audit trail, projects and IPC.',
  ].join('\n'),
);
