import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** A multipart/form-data upload of one file, read as it arrives. */
export interface MultipartForm {
  /** The form's file part, once its headers have arrived; rejects when the form ends without one. */
  file: Promise<{ filename: string; stream: Readable }>;
  /** The form's text fields, complete once `done` resolves (a field may come after the file). */
  fields: Map<string, string>;
  done: Promise<void>;
}

/** Starts reading a multipart form (busboy); the file part's stream must be read for the form to go on. */
export function readMultipartForm(request: IncomingMessage, limits: { fileBytes: number }): MultipartForm {
  const fields = new Map<string, string>();
  let resolveFile!: (file: { filename: string; stream: Readable }) => void;
  let rejectFile!: (error: Error) => void;
  const file = new Promise<{ filename: string; stream: Readable }>((resolve, reject) => {
    resolveFile = resolve;
    rejectFile = reject;
  });
  const done = new Promise<void>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One byte over the limit lets the reader see the file is too large rather than silently cut.
      parser = busboy({ headers: request.headers, limits: { fileSize: limits.fileBytes + 1, files: 1, fields: 16 } });
    } catch (error) {
      const failure = new Error(`send the file as multipart/form-data (${(error as Error).message})`);
      rejectFile(failure);
      reject(failure);
      return;
    }
    parser.on('field', (name, value) => fields.set(name, value));
    parser.on('file', (_name, stream, info) => resolveFile({ filename: info.filename || 'upload.jsonl', stream }));
    parser.on('close', () => {
      rejectFile(new Error('the form has no file'));
      resolve();
    });
    parser.on('error', (error: Error) => {
      rejectFile(error);
      reject(error);
    });
    request.pipe(parser);
  });
  // Awaited by whoever needs it; a rejection nobody waits on is not an unhandled one.
  file.catch(() => undefined);
  done.catch(() => undefined);
  return { file, fields, done };
}
