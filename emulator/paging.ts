import { invalidArgument } from './errors';

/**
 * Offset paging behind an opaque page token (the offset, base64url), shared by the list endpoints. An unset or
 * non-positive page size means `defaultSize`; a larger one is capped at `maxSize`.
 */
export function pageOf<T>(
  all: T[],
  pageSize: number | undefined,
  pageToken: string | undefined,
  o: { defaultSize: number; maxSize: number; tokenName: string },
): { items: T[]; nextPageToken?: string } {
  const size = pageSize !== undefined && pageSize > 0 ? Math.min(pageSize, o.maxSize) : o.defaultSize;
  const start = pageToken ? Number(Buffer.from(pageToken, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalidArgument(`Invalid ${o.tokenName}.`);
  const end = start + size;
  const nextPageToken = end < all.length ? Buffer.from(String(end)).toString('base64url') : undefined;
  return { items: all.slice(start, end), nextPageToken };
}
