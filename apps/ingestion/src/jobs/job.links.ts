export interface JobLinks {
  self: string;
  results: string;
  errors: string;
}

export function jobLinks(id: string): JobLinks {
  return { self: `/v1/jobs/${id}`, results: `/v1/jobs/${id}/results`, errors: `/v1/jobs/${id}/errors` };
}
