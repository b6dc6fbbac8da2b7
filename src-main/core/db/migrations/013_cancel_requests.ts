// Issue #12: work running in one process can be cancelled from another (the CLI's "cancel", the app's
// Cancel for work the CLI started): the request is written on the activity, which watches for it.
export const sql = `ALTER TABLE activities ADD COLUMN cancel_requested TEXT;`;
