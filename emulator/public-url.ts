/**
 * What the emulator advertises (its base URL, file and download URIs, upload URLs, the JWT issuer) has to be reachable
 * by whoever reads it, which the bound address is not when it is 0.0.0.0 inside a container or behind a proxy mount.
 */

/** A public URL as given by the user: http(s), no query or fragment; returned without a trailing slash. */
export function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RangeError(`${JSON.stringify(raw)} is not a URL (expected e.g. http://gemini-emulator:8790).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`${JSON.stringify(raw)} must be an http or https URL.`);
  }
  if (url.search || url.hash) throw new RangeError(`${JSON.stringify(raw)} must not carry a query or fragment.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The URL of a listening socket; a wildcard address is advertised as loopback, which at least this machine reaches. */
export function listenUrlOf(host: string, port: number, { advertise }: { advertise: boolean }): string {
  let h = host;
  if (advertise && h === '0.0.0.0') h = '127.0.0.1';
  if (advertise && (h === '::' || h === '')) h = '::1';
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/**
 * The resumable-upload URL for the chunk requests. The SDK keeps only its path (it swaps in the scheme, host and port
 * of its own base URL), so the path must carry whatever mount the client came through: the prefix seen before the API
 * version when a proxy keeps it, else the public URL's own path (a proxy that strips its mount).
 */
export function uploadUrlOf(publicUrl: string, mountPrefix: string, pathAndQuery: string): string {
  const url = new URL(publicUrl);
  const prefix = mountPrefix || url.pathname.replace(/\/+$/, '');
  return `${url.origin}${prefix}${pathAndQuery}`;
}
