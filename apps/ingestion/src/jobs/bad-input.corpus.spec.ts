import { httpBadInputCorpus } from '@sluice/testing/corpus/bad-input.corpus';
import { IngestionConfig } from '../ingestion.config';
import { parseJobLine } from './job-line.parser';
import { jsonlLines } from './jsonl.lines';

const TENANT = 'corpus-job';

describe('the bad-input corpus as lines of a job (read and parsed as an upload is)', () => {
  const maxLineBytes = new IngestionConfig().INGESTION_BODY_LIMIT_BYTES;
  const corpus = httpBadInputCorpus('unit', { tenant: TENANT }).filter((item) => item.place === 'job-line');

  it.each(corpus.map((item) => [item.kind, item] as const))('%s: the line is refused with its code and field', async (_kind, item) => {
    const lines = [];
    for await (const line of jsonlLines([item.body, '\n'], maxLineBytes)) lines.push(line);
    expect(lines).toHaveLength(1);

    const parsed = parseJobLine(lines[0], { tenant: TENANT, jobId: 'job-unit', defaults: {} });

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect({ code: parsed.errors[0].code, field: parsed.errors[0].field || undefined }).toEqual({ code: item.expect.code, field: item.expect.field });
    expect(parsed.requestId).toBe(item.requestId ?? 'job-unit-1');
  });
});
