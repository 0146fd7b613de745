// In-process wake-ups: a submission nudges this process's workers, a finished job its webhook dispatcher,
// so neither waits for its next poll. Other processes find the same work by polling the database.
import { EventEmitter } from 'node:events';

export const jobSignals = new EventEmitter();
jobSignals.setMaxListeners(0);

export function nudgeWorkers(): void {
  jobSignals.emit('job');
}

export function nudgeWebhooks(): void {
  jobSignals.emit('webhook');
}
