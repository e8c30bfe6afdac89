import busboy from 'busboy';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { EmulatorError, invalidRequest } from '../../http/emulator.error';

export interface ReceivedUpload {
  filename: string;
  bytes: number;
  purpose: string | undefined;
  expiresAfterSeconds: number | undefined;
}

/**
 * Streams a multipart upload's `file` part straight to `path`: a 200 MB batch input never sits
 * in memory. Fields may come before or after the file (the OpenAI SDK sends `purpose` after it).
 */
export function receiveUpload(req: IncomingMessage, path: string, maxBytes: number): Promise<ReceivedUpload> {
  return new Promise<ReceivedUpload>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 16 } });
    } catch {
      reject(invalidRequest('Invalid multipart/form-data body.'));
      return;
    }
    let filename: string | undefined;
    let bytes = 0;
    let tooLarge = false;
    let failed: EmulatorError | undefined;
    let written: Promise<void> = Promise.resolve();
    const fields: Record<string, string> = {};

    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || filename !== undefined) {
        stream.resume();
        return;
      }
      filename = info.filename || 'upload';
      const out = createWriteStream(path);
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      stream.on('limit', () => {
        tooLarge = true;
      });
      written = new Promise<void>((done, fail) => {
        out.on('finish', done);
        out.on('error', fail);
        stream.on('error', fail);
      });
      stream.pipe(out);
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('error', () => {
      failed = invalidRequest('Invalid multipart/form-data body.');
      req.unpipe(parser);
      req.resume();
      finish();
    });
    parser.on('close', () => finish());

    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      written.then(
        async () => {
          if (failed || tooLarge || filename === undefined) {
            await unlink(path).catch(() => undefined);
            if (failed) return reject(failed);
            if (tooLarge) {
              return reject(new EmulatorError({ status: 413, message: `File is too large: the limit is ${maxBytes} bytes.`, param: 'file' }));
            }
            return reject(invalidRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter'));
          }
          const seconds = fields['expires_after[seconds]'];
          resolve({
            filename,
            bytes,
            purpose: fields.purpose,
            expiresAfterSeconds: seconds !== undefined && /^\d+$/.test(seconds) ? Number(seconds) : undefined,
          });
        },
        async (error: Error) => {
          await unlink(path).catch(() => undefined);
          reject(invalidRequest(`Upload failed: ${error.message}`));
        },
      );
    };
    req.pipe(parser);
  });
}
