/** Gadsden's timestamp style, `2026-03-08T14:22:10.000000Z`, from a stored ISO-8601 timestamp. */
export function gadsdenTimestamp(iso: string): string;
export function gadsdenTimestamp(iso: string | null): string | null;
export function gadsdenTimestamp(iso: string | null): string | null {
  if (iso === null) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
