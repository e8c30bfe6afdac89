import { IsEnum, IsString, Matches, MaxLength } from 'class-validator';
import { TOPIC_NAME_PATTERN } from '../common/patterns';
import { ErrorCode } from '../errors/error-code.enum';

/**
 * Headers a message carries on `sluice.dlq.v1`. The value is the original bytes untouched (it may
 * not be JSON at all), so everything about why it is there travels in headers.
 */
export const DlqHeaders = {
  ErrorCode: 'x-sluice-error-code',
  ErrorMessage: 'x-sluice-error-message',
  OriginalTopic: 'x-sluice-original-topic',
  OriginalPartition: 'x-sluice-original-partition',
  OriginalOffset: 'x-sluice-original-offset',
  Attempts: 'x-sluice-attempts',
} as const;

export type DlqHeaderName = (typeof DlqHeaders)[keyof typeof DlqHeaders];

const DECIMAL = /^\d{1,20}$/;

/**
 * The DLQ headers as a validatable shape (header values are strings on the wire). Used to describe
 * them in a JSON Schema and by DLQ tooling that reads them back.
 */
export class DeadLetterHeadersV1 {
  @IsEnum(ErrorCode)
  'x-sluice-error-code'!: ErrorCode;

  @IsString()
  @MaxLength(4096)
  'x-sluice-error-message'!: string;

  @IsString()
  @Matches(TOPIC_NAME_PATTERN)
  'x-sluice-original-topic'!: string;

  @IsString()
  @Matches(DECIMAL)
  'x-sluice-original-partition'!: string;

  @IsString()
  @Matches(DECIMAL)
  'x-sluice-original-offset'!: string;

  /** How many times a handler tried before giving up; 0 when the message could not be read at all. */
  @IsString()
  @Matches(DECIMAL)
  'x-sluice-attempts'!: string;
}
