import { IsDefined, IsIn, IsInt, IsNumber, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Lane, LANES } from '../common/values';
import { IsInstant, Nested, Optional } from '../validation/message.decorators';
import { AcceptedRequestV1 } from './accepted-request.v1';

/** Why a request went where it went, and what that choice costs against the realtime price. */
export class RoutingDecisionV1 {
  @IsIn(LANES)
  lane!: Lane;

  /** Human-readable and stable enough to group by, e.g. `deadline-slack>batch-estimate`. */
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  reason!: string;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  estimatedCostUsd!: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  realtimeCostUsd!: number;

  @IsInstant()
  routedAt!: string;

  /** The deadline the lane must meet: the request's, or the policy default for its tenant and operation. */
  @Optional()
  @IsInstant()
  deadline?: string;

  /** Set when the deadline guard re-issued a request that was waiting on a slower lane. */
  @Optional()
  @IsIn(LANES)
  escalatedFrom?: Lane;

  /** 1 for the first routing; escalations and resubmissions count up, keeping result ids distinct. */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(1000)
  attempt = 1;
}

/** What the router publishes on the lane topics: the accepted request plus the routing decision. */
export class LaneRequestV1 extends AcceptedRequestV1 {
  @IsDefined()
  @Nested(() => RoutingDecisionV1)
  routing!: RoutingDecisionV1;
}
