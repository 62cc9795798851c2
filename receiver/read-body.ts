import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 400 | 413; reason: string };

const tooLarge = { ok: false, status: 413, reason: 'body too large' } as const;
const unreadable = { ok: false, status: 400, reason: 'body could not be read' } as const;

/**
 * The raw body, at most `maxBytes`: refused before reading when Content-Length says it is larger, and as soon as the
 * bytes read pass the bound otherwise. A body a framework already read raw (`req.body` as a Buffer, e.g. express.raw)
 * is taken as it is; one it parsed cannot be verified any more.
 */
export function readBody(
  req: IncomingMessage & { body?: unknown },
  maxBytes: number,
): Promise<BodyResult> | BodyResult {
  if (Buffer.isBuffer(req.body)) return req.body.length > maxBytes ? tooLarge : { ok: true, body: req.body };
  if (req.readableEnded || req.body !== undefined) {
    return { ok: false, status: 400, reason: 'body already consumed: mount the receiver before any body parser' };
  }
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return tooLarge;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: BodyResult) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Nothing more is read; the answer goes out and the connection is closed after it.
        req.pause();
        done(tooLarge);
      } else chunks.push(chunk);
    };
    const onEnd = () => done({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onError = () => done(unreadable);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}
