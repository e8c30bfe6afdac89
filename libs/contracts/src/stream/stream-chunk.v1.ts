import { IsBoolean, IsInt, IsString, Matches, MaxLength, Min } from 'class-validator';
import { REQUEST_ID_PATTERN, TENANT_PATTERN } from '../common/patterns';
import { IsInstant, Optional } from '../validation/message.decorators';

/** One piece of a streamed chat completion on `sluice.stream.v1`, keyed by request id (so in order). */
export class StreamChunkV1 {
  @IsString()
  @Matches(REQUEST_ID_PATTERN)
  requestId!: string;

  @IsString()
  @Matches(TENANT_PATTERN)
  tenant!: string;

  /** 0, 1, 2, … per request, so a consumer can detect a gap or a duplicate. */
  @IsInt()
  @Min(0)
  seq!: number;

  /** Text added by this chunk; empty on the final chunk when it only carries the finish reason. */
  @IsString()
  delta!: string;

  @IsBoolean()
  final!: boolean;

  @Optional()
  @IsString()
  @MaxLength(64)
  finishReason?: string;

  @IsInstant()
  at!: string;
}
