// Issue #17: a backup keeps the storage.objects rows it read as the pages the server sent them in (JSON
// arrays of [bucket, path, size]), one SQLite row per page: a SQLite row per object, with its primary key,
// cost the backup about 3 µs per object on its busiest thread (0.4 s for 116,000 objects), while the dump
// needs every core. The Storage check unpacks them when it runs. Runs kept before keep their rows, in the
// order they were read, so the digests their audit entries hold still match.
export const sql = `
CREATE TABLE storage_row_pages (
  run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
  seq     INTEGER NOT NULL,
  page    TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
INSERT INTO storage_row_pages (run_id, seq, page)
  SELECT run_id, n / 2000, json_group_array(json_array(bucket, path, size_bytes) ORDER BY n)
    FROM (SELECT run_id, bucket, path, size_bytes, row_number() OVER (PARTITION BY run_id ORDER BY rowid) - 1 AS n FROM storage_rows)
   GROUP BY run_id, n / 2000;
DROP TABLE storage_rows;
`;
