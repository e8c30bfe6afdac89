import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ALL_ERROR_CODES, OPERATIONS, PROVIDERS, REQUEST_MODES } from '@sluice/contracts';
import { JOB_STATUSES } from '@sluice/ledger';

// OpenAPI descriptions of the bulk job routes; the rules live in the jobs feature folder.

export class JobLinksDoc {
  @ApiProperty({ example: '/v1/jobs/job_01J...' })
  self!: string;

  @ApiProperty({ example: '/v1/jobs/job_01J.../results' })
  results!: string;

  @ApiProperty({ example: '/v1/jobs/job_01J.../errors' })
  errors!: string;
}

export class JobLineErrorDoc {
  @ApiProperty({ type: 'integer', description: 'The line in the upload, from 1, blank lines counted (as an editor shows it).', example: 7 })
  line!: number;

  @ApiProperty({ description: "The line's request id: its own `id`, or `<job id>-<line>`.", example: 'job_01J...-7' })
  id!: string;

  @ApiProperty({ enum: ALL_ERROR_CODES, example: 'MISSING_FIELD' })
  code!: string;

  @ApiProperty({ example: 'body.model is required' })
  message!: string;

  @ApiProperty({ description: 'Dotted path of the field in the line; empty when the line as a whole is wrong.', example: 'body.model' })
  field!: string;
}

export class JobReceiptDoc {
  @ApiProperty({ example: 'job_01JD3M8Z4V0000000000000000' })
  id!: string;

  @ApiProperty({ enum: JOB_STATUSES, description: '`received`: every line was read, and its request recorded and published.' })
  status!: string;

  @ApiProperty({ description: 'False when the job existed (posted before with the same id and options): nothing was recorded twice.' })
  created!: boolean;

  @ApiProperty({ type: 'integer', description: 'Non-blank lines read.' })
  lines!: number;

  @ApiProperty({ type: 'integer', description: "Lines recorded as the job's requests, new or from an earlier post of the job." })
  accepted!: number;

  @ApiProperty({ type: 'integer', description: 'Of the accepted lines, those an earlier post of the same job had recorded already.' })
  duplicates!: number;

  @ApiProperty({ type: 'integer', description: 'Lines refused; they do not stop the job. All their problems are at links.errors.' })
  invalid!: number;

  @ApiProperty({ type: [JobLineErrorDoc], description: 'The first 100 problems of refused lines, in line order.' })
  errors!: JobLineErrorDoc[];

  @ApiProperty({ type: JobLinksDoc })
  links!: JobLinksDoc;
}

export class RequestCountsDoc {
  @ApiProperty({ type: 'integer' })
  total!: number;

  @ApiProperty({ type: 'integer' })
  succeeded!: number;

  @ApiProperty({ type: 'integer' })
  failed!: number;

  @ApiProperty({ type: 'integer', description: 'total - succeeded - failed.' })
  pending!: number;
}

export class JobProgressDoc extends RequestCountsDoc {
  @ApiProperty({ type: 'integer', description: 'Requests the router has not decided on yet (part of pending).' })
  unrouted!: number;

  @ApiProperty({ description: 'Completed requests (succeeded or failed) as a fraction of total, 0 to 1; 1 without requests.', example: 0.42 })
  fraction!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(RequestCountsDoc) },
    description: 'By the lane each request was routed to (`cache`, `realtime`, `async`, `batch`); lanes without requests are left out.',
    example: { batch: { total: 990, succeeded: 412, failed: 0, pending: 578 }, cache: { total: 10, succeeded: 10, failed: 0, pending: 0 } },
  })
  lanes!: Record<string, RequestCountsDoc>;
}

export class JobDefaultsDoc {
  @ApiPropertyOptional({ format: 'date-time', description: 'The absolute deadline a relative `deadline` option resolved to when the job was created.' })
  deadline?: string;

  @ApiPropertyOptional({ enum: REQUEST_MODES })
  mode?: string;

  @ApiPropertyOptional({ enum: PROVIDERS })
  provider?: string;

  @ApiPropertyOptional({ enum: OPERATIONS })
  operation?: string;
}

export class JobViewDoc {
  @ApiProperty()
  id!: string;

  @ApiProperty({
    enum: ['receiving', 'interrupted', 'running', 'completed'],
    description:
      '`receiving`: the upload is being read (or the process reading it stopped: post it again under its id); `interrupted`: the upload broke off or hit ' +
      'the line limit; `running`: every line was read, some requests are not complete; `completed`: every recorded request has its result.',
  })
  status!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When the upload was read to its end.' })
  receivedAt!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The options as posted.', example: { deadline: '6h' } })
  options!: Record<string, string>;

  @ApiProperty({ type: JobDefaultsDoc })
  defaults!: JobDefaultsDoc;

  @ApiProperty({ type: 'integer', description: 'Non-blank lines read.' })
  lines!: number;

  @ApiProperty({ type: 'integer', description: 'Lines refused.' })
  invalid!: number;

  @ApiProperty({ type: JobProgressDoc, description: "The job's recorded requests (its accepted lines)." })
  progress!: JobProgressDoc;

  @ApiProperty({ type: JobLinksDoc })
  links!: JobLinksDoc;
}
