import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

const OPENAPI_PATH = 'openapi.json';
const DOCS_PATH = 'docs';

/** Serves the OpenAPI document at /openapi.json (and /openapi.yaml) and Swagger UI at /docs. */
export function setUpApiDocs(app: INestApplication): void {
  const description = new DocumentBuilder()
    .setTitle('Sluice ingestion API')
    .setDescription(
      'Submit inference requests to Sluice, follow their lifecycle and read their outcome. Authenticate with an API key ' +
        '(`npm run keys -- create --tenant <tenant>`) as `Authorization: Bearer slc_...`; a key acts for its tenant only.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'slc_<prefix>_<secret>' })
    .build();
  SwaggerModule.setup(DOCS_PATH, app, SwaggerModule.createDocument(app, description), {
    jsonDocumentUrl: OPENAPI_PATH,
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'Sluice ingestion API',
  });
}
