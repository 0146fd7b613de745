// Lists read newest first, a page at a time: the query asks for one row more than the page, which says
// whether an older page exists without counting, and the page's last row gives the cursor to it.

/** The first `limit` of `rows` (queried with limit + 1), and the cursor of the next page or null. */
export function pageOf<Row, Cursor>(rows: Row[], limit: number, cursorOf: (last: Row) => Cursor): { items: Row[]; next: Cursor | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? cursorOf(items.at(-1)!) : null };
}
