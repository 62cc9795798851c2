import { createHash } from 'node:crypto';
import { isoOf } from './clock';
import { GeminiApiError, invalidArgument, notFound } from './errors';
import { field, isRecord } from './fields';
import { newFileId, newUploadId } from './ids';
import { pageOf } from './paging';

/** Files live 48 h, as on the Gemini Files API. */
const fileLifetimeMs = 48 * 3_600_000;
const fileNamePattern = /^files\/[a-z0-9-]{1,40}$/;

export interface StoredFile {
  name: string;
  displayName?: string;
  mimeType: string;
  data: Buffer;
  createTime: number;
  source: 'UPLOADED' | 'GENERATED';
}

interface UploadSession {
  name: string;
  displayName?: string;
  mimeType: string;
  declaredSize?: number;
  chunks: Buffer[];
  received: number;
}

/** The Files API: resumable uploads, generated outputs (batch results, videos), metadata and downloads. */
export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly uploads = new Map<string, UploadSession>();

  constructor(
    private readonly now: () => number,
    private readonly publicUrl: () => string,
  ) {}

  /** `X-Goog-Upload-Command: start`: returns the upload id to put in `x-goog-upload-url`. */
  startUpload(body: unknown, headers: { mimeType?: string; size?: string }): string {
    const file = isRecord(body) ? (field<Record<string, unknown>>(body, 'file') ?? {}) : {};
    let name = field<string>(file, 'name');
    if (name !== undefined) {
      if (!name.startsWith('files/')) name = `files/${name}`;
      if (!fileNamePattern.test(name))
        throw invalidArgument(`File name ${name} must be files/ + up to 40 of [a-z0-9-].`);
      if (this.lookup(name)) throw new GeminiApiError(409, `File ${name} already exists.`, 'ALREADY_EXISTS');
    }
    const mimeType = field<string>(file, 'mime_type') ?? headers.mimeType ?? 'application/octet-stream';
    const size = headers.size ?? field<string>(file, 'size_bytes');
    const id = newUploadId();
    this.uploads.set(id, {
      name: name ?? `files/${newFileId()}`,
      displayName: field<string>(file, 'display_name'),
      mimeType,
      declaredSize: size === undefined ? undefined : Number(size),
      chunks: [],
      received: 0,
    });
    return id;
  }

  /** One upload chunk; returns the file once `finalize` arrives. */
  uploadChunk(uploadId: string, offset: number | undefined, data: Buffer, finalize: boolean): StoredFile | undefined {
    const session = this.uploads.get(uploadId);
    if (!session) throw notFound(`Upload ${uploadId} not found.`);
    if (offset !== undefined && offset !== session.received) {
      throw invalidArgument(`Upload offset ${offset} does not match the ${session.received} bytes received.`);
    }
    session.chunks.push(data);
    session.received += data.length;
    if (!finalize) return undefined;
    this.uploads.delete(uploadId);
    return this.put({
      name: session.name,
      displayName: session.displayName,
      mimeType: session.mimeType,
      data: Buffer.concat(session.chunks),
      source: 'UPLOADED',
    });
  }

  put(f: Omit<StoredFile, 'createTime'>): StoredFile {
    const stored: StoredFile = { ...f, createTime: this.now() };
    this.files.set(stored.name, stored);
    return stored;
  }

  /** Accepts `files/x` or `x`; expired files are gone. */
  lookup(nameOrId: string): StoredFile | undefined {
    const name = nameOrId.startsWith('files/') ? nameOrId : `files/${nameOrId}`;
    const f = this.files.get(name);
    if (f && this.now() > f.createTime + fileLifetimeMs) {
      this.files.delete(name);
      return undefined;
    }
    return f;
  }

  get(nameOrId: string): StoredFile {
    const f = this.lookup(nameOrId);
    if (!f) throw notFound(`File ${nameOrId} not found.`);
    return f;
  }

  delete(nameOrId: string): void {
    const f = this.get(nameOrId);
    this.files.delete(f.name);
  }

  list(pageSize: number | undefined, pageToken: string | undefined): { files: StoredFile[]; nextPageToken?: string } {
    const all = [...this.files.keys()].map((n) => this.lookup(n)).filter((f): f is StoredFile => !!f);
    const { items, nextPageToken } = pageOf(all, pageSize, pageToken, {
      defaultSize: 10,
      maxSize: 100,
      tokenName: 'pageToken',
    });
    return { files: items, nextPageToken };
  }

  /** The download URL of a file, as `video_uri` and `downloadUri` carry it. */
  downloadUrl(f: StoredFile): string {
    return `${this.publicUrl()}/v1beta/${f.name}:download?alt=media`;
  }

  toJson(f: StoredFile): Record<string, unknown> {
    return {
      name: f.name,
      ...(f.displayName !== undefined ? { displayName: f.displayName } : {}),
      mimeType: f.mimeType,
      sizeBytes: String(f.data.length),
      createTime: isoOf(f.createTime),
      updateTime: isoOf(f.createTime),
      expirationTime: isoOf(f.createTime + fileLifetimeMs),
      sha256Hash: createHash('sha256').update(f.data).digest('base64'),
      uri: `${this.publicUrl()}/v1beta/${f.name}`,
      downloadUri: this.downloadUrl(f),
      state: 'ACTIVE',
      source: f.source,
    };
  }

  clear(): void {
    this.files.clear();
    this.uploads.clear();
  }
}
