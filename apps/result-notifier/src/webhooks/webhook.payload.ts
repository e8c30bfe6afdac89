import { InferenceResultV1, LifecycleEventV1 } from '@sluice/contracts';

/**
 * A webhook body in the shape Standard Webhooks recommends (`type`, `timestamp`, `data`): the
 * lifecycle event, and for a completion the result itself, so a receiver needs nothing else.
 */
export type WebhookPayload = {
  type: `request.${LifecycleEventV1['type']}`;
  timestamp: string;
  data: { event: LifecycleEventV1; result: InferenceResultV1 };
};

export function webhookPayload(event: LifecycleEventV1, result: InferenceResultV1): WebhookPayload {
  return { type: `request.${event.type}`, timestamp: event.at, data: { event, result } };
}
