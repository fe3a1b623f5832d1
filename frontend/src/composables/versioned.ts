/**
 * `If-Match` for a record read in a list: the API's ETag of a row is its `version` in quotes with a
 * `v` prefix (the same value the single-record GET sends as `ETag`), so an action on a list row
 * doesn't need to read the row again to be safe against a concurrent change.
 */
export function ifMatch(row: { version: number }): { 'If-Match': string } {
  return { 'If-Match': `"v${row.version}"` }
}
