import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toolsDir } from '../common/paths';

/** One published document, stored once per idempotency key. */
export interface Publication {
  id: string;
  idempotencyKey: string;
  title: string;
  body: string;
  publishedAt: string;
}

/** Where `publish` puts documents: GEMINIFLOW_PUBLISH_DIR, or a project-local folder for the demo. */
export function publishDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GEMINIFLOW_PUBLISH_DIR || path.join(toolsDir, 'published');
}

/**
 * Publishes a document exactly once per key, however often it is retried or raced: the record is written to a
 * private temporary file and then hard-linked to its final name, which the file system lets only one writer create.
 */
export function publishOnce(
  dir: string,
  idempotencyKey: string,
  doc: { title: string; body: string },
  now = new Date(),
): { publication: Publication; alreadyPublished: boolean } {
  fs.mkdirSync(dir, { recursive: true });
  const id = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 20);
  const final = path.join(dir, `${id}.json`);
  const publication: Publication = { id, idempotencyKey, ...doc, publishedAt: now.toISOString() };
  const temp = path.join(dir, `.${id}.${randomUUID()}.tmp`);
  const fd = fs.openSync(temp, 'wx');
  try {
    fs.writeSync(fd, JSON.stringify(publication, null, 2));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temp, final);
    return { publication, alreadyPublished: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { publication: JSON.parse(fs.readFileSync(final, 'utf8')) as Publication, alreadyPublished: true };
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Everything published so far, oldest first. */
export function listPublications(dir: string): Publication[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Publication)
    .sort((a, b) => a.publishedAt.localeCompare(b.publishedAt) || a.id.localeCompare(b.id));
}
