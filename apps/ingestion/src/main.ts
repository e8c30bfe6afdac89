import { bootstrapService } from '@sluice/observability';
import { ingestionService } from './ingestion.definition';

void bootstrapService(ingestionService);
