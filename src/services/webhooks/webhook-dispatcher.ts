// Sends queued webhook deliveries: claims due ones with a lease (any process may send, none twice at once),
// makes one attempt, and records it. A failed attempt is retried after 2 s, 4 s and 8 s (the base is
// configurable); after the third retry the delivery is failed. When every delivery of a job has settled
// the job's `webhook_delivered` is set. Deliveries live in the database, so a restart resumes them.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../../store/database.js';
import { claimDueDelivery, listJobDeliveries, nextDeliveryDue, recordAttempt, type WebhookDeliveryRow } from '../../store/repositories/webhooks.js';
import { setWebhookDelivered } from '../../store/repositories/jobs.js';
import { jobSignals } from '../jobs/job-signals.js';
import { DestinationPolicy } from './check-destination.js';
import { deliverWebhook } from './deliver-webhook.js';
import { DEFAULT_WEBHOOK_BACKOFF_MS, retryDelayMs } from './retry-schedule.js';

export interface WebhookDispatcherOptions {
  store: Store;
  policy?: DestinationPolicy;
  backoffBaseMs?: number;
  /** Deliveries in flight at once in this process. */
  concurrency?: number;
  pollMs?: number;
  timeoutMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class WebhookDispatcher {
  readonly id = `${hostname()}:${process.pid}:wh:${randomUUID().slice(0, 8)}`;
  private stopping = false;
  private inFlight = new Set<Promise<void>>();
  private loopDone: Promise<void> | null = null;
  private wake: () => void = () => {};
  private readonly onNudge = () => this.wake();
  private readonly policy: DestinationPolicy;
  private readonly backoffBaseMs: number;
  private readonly concurrency: number;
  private readonly pollMs: number;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.policy = options.policy ?? DestinationPolicy.fromEnv();
    this.backoffBaseMs = options.backoffBaseMs ?? DEFAULT_WEBHOOK_BACKOFF_MS;
    this.concurrency = options.concurrency ?? 8;
    this.pollMs = options.pollMs ?? 100;
  }

  start(): void {
    jobSignals.on('webhook', this.onNudge);
    this.loopDone = this.loop();
  }

  /** Stops claiming, lets attempts in flight finish (each is bounded by its timeout), and returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    jobSignals.off('webhook', this.onNudge);
    this.wake();
    await this.loopDone;
    await Promise.all(this.inFlight);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claimed = false;
      try {
        if (this.inFlight.size < this.concurrency) {
          const delivery = await claimDueDelivery(this.options.store.db, this.options.store.dialect, this.id, (this.options.timeoutMs ?? 10_000) + 30_000, new Date());
          if (delivery) {
            claimed = true;
            const attempt = this.attempt(delivery).finally(() => {
              this.inFlight.delete(attempt);
              this.wake();
            });
            this.inFlight.add(attempt);
          }
        }
      } catch (error) {
        this.options.log?.('webhook dispatcher error', { error: String(error) });
      }
      if (claimed || this.stopping) continue;
      const wait = await this.idleWait();
      await Promise.race([delay(wait), new Promise<void>((resolve) => (this.wake = resolve))]);
    }
  }

  /** Sleep until the next retry falls due, but no longer than the poll interval (other processes add work). */
  private async idleWait(): Promise<number> {
    if (this.inFlight.size >= this.concurrency) return this.pollMs;
    try {
      const due = await nextDeliveryDue(this.options.store.db);
      if (due) return Math.max(5, Math.min(this.pollMs, Date.parse(due) - Date.now()));
    } catch {
      // fall through to the poll interval
    }
    return this.pollMs;
  }

  private async attempt(delivery: WebhookDeliveryRow): Promise<void> {
    const result = await deliverWebhook(
      this.policy,
      { url: delivery.url, secret: delivery.secret, messageId: delivery.message_id, body: delivery.body },
      { timeoutMs: this.options.timeoutMs },
    );
    const now = new Date();
    const attempts = delivery.attempts + 1;
    const retryIn = result.ok ? undefined : retryDelayMs(attempts, this.backoffBaseMs);
    const status = result.ok ? 'delivered' : retryIn === undefined ? 'failed' : 'pending';
    const store = this.options.store;
    try {
      const recorded = await recordAttempt(store.db, delivery.id, this.id, {
        status,
        attempts,
        nextAttemptAt: new Date(now.getTime() + (retryIn ?? 0)).toISOString(),
        statusCode: result.statusCode,
        error: result.error,
        now: now.toISOString(),
      });
      if (!result.ok) this.options.log?.('webhook attempt failed', { delivery: delivery.id, job: delivery.job_id, attempts, error: result.error });
      if (recorded && status !== 'pending') await this.settleJob(delivery.job_id);
    } catch (error) {
      this.options.log?.('webhook bookkeeping failed', { delivery: delivery.id, error: String(error) });
    }
  }

  /** `webhook_delivered`: true once every delivery of the job succeeded, false once any gave up. */
  private async settleJob(jobId: string): Promise<void> {
    const deliveries = await listJobDeliveries(this.options.store.db, jobId);
    if (deliveries.some((d) => d.status === 'pending')) return;
    await setWebhookDelivered(this.options.store.db, jobId, deliveries.every((d) => d.status === 'delivered'));
  }
}
