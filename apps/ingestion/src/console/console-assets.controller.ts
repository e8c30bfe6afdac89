import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { ApiError } from '../http/errors/api.error';
import { IngestionConfig } from '../ingestion.config';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
}

/**
 * Where the built console lives: INGESTION_CONSOLE_DIR, or the console folder npm run build writes
 * beside the bundle (webpack keeps __dirname the bundle's folder).
 */
export function consoleDir(config: IngestionConfig): string {
  return config.INGESTION_CONSOLE_DIR ?? join(__dirname, 'console');
}

/**
 * The console's page and its assets, read once at boot: the page holds no data and needs no key; it
 * asks for one and sends it with every call to /console/api. A name not among the built files is 404,
 * so no path reaches the disk.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleAssetsController {
  private readonly assets = new Map<string, Asset>();

  constructor(config: IngestionConfig) {
    const dir = consoleDir(config);
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const type = CONTENT_TYPES[extname(name)];
      if (type !== undefined) this.assets.set(name, { body: readFileSync(join(dir, name)), type });
    }
  }

  @Get()
  page(@Res() response: ServerResponse): void {
    this.send('index.html', response);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: ServerResponse): void {
    this.send(name, response);
  }

  private send(name: string, response: ServerResponse): void {
    const asset = this.assets.get(name);
    if (asset === undefined) {
      throw ApiError.notFound(this.assets.size === 0 ? 'the console (it is not built: npm run build)' : `console file ${name}`);
    }
    response.writeHead(200, {
      'Content-Type': asset.type,
      'Content-Length': asset.body.length,
      'Cache-Control': 'no-cache',
      // The console runs only its own scripts and talks only to this origin.
      'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      'X-Content-Type-Options': 'nosniff',
    });
    response.end(asset.body);
  }
}
