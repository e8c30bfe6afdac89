import { Exclude, Expose, Transform } from 'class-transformer';
import { Allow } from 'class-validator';

/**
 * The contract ingestion declares for `sluice.requests.v1`: any JSON object, handed over whole.
 * bootstrapService checks every consumed topic against a class and dead-letters what fails, but a
 * request that fails InferenceRequestV1 while naming a valid tenant must become a `rejected` event
 * that names its field, so ingestion validates requests itself (RequestsHandler). What is not a JSON
 * object at all still goes to the dead-letter topic before reaching the handler.
 */
@Exclude()
export class RawRequestMessage {
  /** The decoded message exactly as produced. */
  @Expose()
  @Transform(({ obj }: { obj: unknown }) => obj, { toClassOnly: true })
  @Allow()
  value!: Record<string, unknown>;
}
