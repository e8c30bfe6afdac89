import { mkdirSync } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ids, unixSeconds } from '../../http/request.ids';

export const UPLOAD_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];

export interface StoredFile {
  id: string;
  bytes: number;
  createdAt: number;
  expiresAt: number | null;
  filename: string;
  purpose: string;
  path: string;
}

const DAY_SECONDS = 86_400;

/** File metadata in memory, file bodies on disk under `<dataDir>/files`. */
export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'files');
    mkdirSync(this.dir, { recursive: true });
  }

  /** A fresh id and the path its body should be written to. */
  allocate(): { id: string; path: string } {
    const id = ids.file();
    return { id, path: join(this.dir, id) };
  }

  add(file: Omit<StoredFile, 'createdAt' | 'expiresAt'> & { expiresAfterSeconds?: number }): StoredFile {
    const createdAt = unixSeconds();
    const { expiresAfterSeconds, ...rest } = file;
    // Batch inputs and outputs expire after 30 days unless the upload asked otherwise.
    const lifetime = expiresAfterSeconds ?? (file.purpose === 'batch' || file.purpose === 'batch_output' ? 30 * DAY_SECONDS : undefined);
    const stored: StoredFile = { ...rest, createdAt, expiresAt: lifetime === undefined ? null : createdAt + lifetime };
    this.files.set(stored.id, stored);
    return stored;
  }

  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  list(query: { purpose?: string; order: 'asc' | 'desc'; after?: string; limit: number }): { data: StoredFile[]; hasMore: boolean } {
    let all = [...this.files.values()].filter((file) => !query.purpose || file.purpose === query.purpose);
    // Ids carry a counter, so id order is creation order.
    all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (query.order === 'desc') all.reverse();
    if (query.after) {
      const at = all.findIndex((file) => file.id === query.after);
      all = at === -1 ? [] : all.slice(at + 1);
    }
    return { data: all.slice(0, query.limit), hasMore: all.length > query.limit };
  }

  async delete(id: string): Promise<boolean> {
    const file = this.files.get(id);
    if (!file) return false;
    this.files.delete(id);
    await unlink(file.path).catch(() => undefined);
    return true;
  }

  async reset(): Promise<void> {
    this.files.clear();
    await rm(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }
}

export function fileObject(file: StoredFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.createdAt,
    expires_at: file.expiresAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}
