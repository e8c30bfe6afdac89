import type { KafkaLogger } from '../port/logger.port';

/**
 * The default reaction to a consumer that cannot go on: a process that serves HTTP but no longer
 * consumes is worse than none, so exit and let the supervisor start a fresh one.
 */
export function exitOnFatal(logger: KafkaLogger): (error: Error) => void {
  return (error) => {
    logger.error({ err: error }, 'kafka consumer cannot continue; exiting so the process is restarted');
    process.exit(1);
  };
}
