export interface RequestLinks {
  self: string;
  events: string;
}

export function requestLinks(id: string): RequestLinks {
  return { self: `/v1/requests/${id}`, events: `/v1/requests/${id}/events` };
}
