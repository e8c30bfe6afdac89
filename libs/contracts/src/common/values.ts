export const PROVIDERS = ['openai', 'anthropic'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const OPERATIONS = ['chat', 'embedding'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** What a request asks for; `auto` lets the deadline decide. */
export const REQUEST_MODES = ['auto', 'realtime', 'async', 'batch'] as const;
export type RequestMode = (typeof REQUEST_MODES)[number];

/** Where a request was answered: `cache` is a lane the router takes itself, never a topic. */
export const LANES = ['cache', 'realtime', 'async', 'batch'] as const;
export type Lane = (typeof LANES)[number];

export const RESULT_STATUSES = ['succeeded', 'failed'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

export const REQUEST_SOURCES = ['kafka', 'http'] as const;
export type RequestSource = (typeof REQUEST_SOURCES)[number];
