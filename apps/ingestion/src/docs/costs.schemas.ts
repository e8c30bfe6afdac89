import { ApiProperty } from '@nestjs/swagger';
import { LANES } from '@sluice/contracts';

// OpenAPI descriptions of GET /v1/costs. The definitions of the figures are the point of this file:
// they say what is counted where, so that a dashboard built on the report adds up to the bill.

export class CostFiguresDoc {
  @ApiProperty({
    type: 'integer',
    description: 'Requests completed: each counted once, on the day and in the lane of the result that was delivered to it.',
  })
  requests!: number;

  @ApiProperty({
    type: 'integer',
    description:
      'Results providers produced and billed, in the lane that produced them: the delivered ones and those that lost a race ' +
      '(the deadline guard re-issued a batched request on the realtime lane and both answered; the first booked is delivered).',
  })
  results!: number;

  @ApiProperty({
    description:
      'What was really spent: the provider price of every billed result, delivered or superseded, and of every extra call, at the price of the lane that produced it (a cache hit costs 0).',
    example: 0.0000366,
  })
  costUsd!: number;

  @ApiProperty({ description: 'The part of costUsd spent on results that lost a race and were never delivered.', example: 0.00001 })
  supersededCostUsd!: number;

  @ApiProperty({
    type: 'integer',
    description:
      'Provider calls billed a second time for the same result: a lane message redelivered after a crash, before its first result was booked, ' +
      'and answered by another call. Booked once per call; not in `results`.',
  })
  extraCalls!: number;

  @ApiProperty({ description: 'The part of costUsd spent on those extra calls.', example: 0 })
  extraCostUsd!: number;

  @ApiProperty({
    description:
      'What the completed requests would have cost on the realtime lane at list price, for the same usage: the all-realtime baseline, counted once per request.',
    example: 0.0000532,
  })
  realtimeCostUsd!: number;

  @ApiProperty({
    description:
      'realtimeCostUsd - costUsd: the saving against sending everything realtime, net of what superseded results cost. ' +
      'It can be negative in one lane (a lane whose results were all superseded spent money and completed nothing); the total is the honest saving.',
    example: 0.0000166,
  })
  savedUsd!: number;
}

export class LaneCostDoc extends CostFiguresDoc {
  @ApiProperty({ enum: LANES })
  lane!: string;
}

export class DayCostDoc {
  @ApiProperty({ example: '2030-03-01', description: 'The UTC day results completed on.' })
  day!: string;

  @ApiProperty({ type: [LaneCostDoc], description: 'Lanes with anything booked that day.' })
  lanes!: LaneCostDoc[];

  @ApiProperty({ type: CostFiguresDoc })
  total!: CostFiguresDoc;
}

export class CostReportDoc {
  @ApiProperty({ example: '2030-03-01', description: 'First UTC day of the report, included.' })
  from!: string;

  @ApiProperty({ example: '2030-03-30', description: 'Last UTC day of the report, included.' })
  to!: string;

  @ApiProperty({ enum: ['USD'] })
  currency!: string;

  @ApiProperty({ type: [DayCostDoc], description: 'Days with anything booked, in order; days without are left out.' })
  days!: DayCostDoc[];

  @ApiProperty({ type: [LaneCostDoc], description: 'Each lane over the whole range.' })
  lanes!: LaneCostDoc[];

  @ApiProperty({ type: CostFiguresDoc, description: 'The whole range.' })
  total!: CostFiguresDoc;
}
