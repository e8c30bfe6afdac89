export type * from './driver.port';
export type * from './logger.port';
export type * from './message.types';
