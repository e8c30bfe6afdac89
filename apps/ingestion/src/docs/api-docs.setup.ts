import { Injectable, type INestApplication, OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import type { ExpressAdapter } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_PATH = 'openapi.json';
export const DOCS_PATH = 'docs';

/**
 * Serves the OpenAPI document at /openapi.json and Swagger UI at /docs. SwaggerModule works on the
 * application object, which bootstrapService creates and keeps; what it reads from it — the module
 * container, the route configuration (bootstrapService sets no global prefix or versioning), the HTTP
 * adapter and its static file serving — is all reachable from inside the application, so this hands it
 * that. Routes are added during module init, before Nest's catch-all 404 handler.
 */
@Injectable()
export class ApiDocs implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly modules: ModulesContainer,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as ExpressAdapter;
    const application = {
      container: { getModules: () => this.modules },
      config: new ApplicationConfig(),
      getHttpAdapter: () => adapter,
      useStaticAssets: (path: string, options: object) => adapter.useStaticAssets(path, options),
    } as unknown as INestApplication;
    const description = new DocumentBuilder()
      .setTitle('Sluice ingestion API')
      .setDescription(
        'Submit inference requests to Sluice, follow their lifecycle and read their outcome. Authenticate with an API key ' +
          '(`npm run keys -- create --tenant <tenant>`) as `Authorization: Bearer slc_...`; a key acts for its tenant only.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'slc_<prefix>_<secret>' })
      .build();
    // A factory: the document is built on first use, once every module's routes are known.
    SwaggerModule.setup(DOCS_PATH, application, () => SwaggerModule.createDocument(application, description), {
      jsonDocumentUrl: OPENAPI_PATH,
      yamlDocumentUrl: 'openapi.yaml',
      customSiteTitle: 'Sluice ingestion API',
    });
  }
}
