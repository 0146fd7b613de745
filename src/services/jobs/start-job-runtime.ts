// What a process runs to work the queue: job workers and the webhook dispatcher. `valora serve` starts it
// in-process (--workers-in-process N, default 1); `valora worker` starts it alone.
import type { Store } from '../../store/database.js';
import type { ValuationEngine } from '../valuation-engine.js';
import { createValuationContext } from '../valuations/valuation-context.js';
import { propertiesBatchProcessor } from '../search/process-properties-batch.js';
import { searchProcessor } from '../search/process-search-job.js';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import { DEFAULT_WEBHOOK_BACKOFF_MS } from '../webhooks/retry-schedule.js';
import { destinationPolicy } from './submission-rules.js';
import { JobWorker, type JobProcessor } from './job-worker.js';
import { avmBatchProcessor } from './process-avm-batch.js';
import type { JobKind } from '../../store/tables/jobs.js';

export interface JobRuntimeOptions {
  store: Store;
  engine: ValuationEngine;
  /** Concurrent jobs (claim loops) in this process; 0 runs only the webhook dispatcher. */
  workers?: number;
  /** Webhook retry base (2 s documented; VALORA_WEBHOOK_BACKOFF_MS overrides, for tests). */
  webhookBackoffMs?: number;
  leaseMs?: number;
  pollMs?: number;
  /** Adjusts the processors before use (tests slow them down or record what ran). */
  wrapProcessors?: (processors: Record<JobKind, JobProcessor>) => Record<JobKind, JobProcessor>;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface JobRuntime {
  worker: JobWorker | null;
  dispatcher: WebhookDispatcher;
  /** Graceful: workers finish or hand back their chunk; deliveries in flight complete. */
  stop(): Promise<void>;
}

export function jobProcessors(store: Store, engine: ValuationEngine, log?: JobRuntimeOptions['log']): Record<JobKind, JobProcessor> {
  const context = createValuationContext(store, engine);
  return {
    avm_batch: avmBatchProcessor(context, log),
    properties_batch: propertiesBatchProcessor,
    search: searchProcessor,
    search_with_details: searchProcessor,
  };
}

export function startJobRuntime(options: JobRuntimeOptions): JobRuntime {
  const workers = options.workers ?? 1;
  const envBackoff = Number(process.env.VALORA_WEBHOOK_BACKOFF_MS);
  const worker =
    workers > 0
      ? new JobWorker({
          store: options.store,
          processors: (options.wrapProcessors ?? ((p) => p))(jobProcessors(options.store, options.engine, options.log)),
          concurrency: workers,
          ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
          ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
          log: options.log,
        })
      : null;
  const dispatcher = new WebhookDispatcher({
    store: options.store,
    policy: destinationPolicy(),
    backoffBaseMs: options.webhookBackoffMs ?? (Number.isFinite(envBackoff) && envBackoff > 0 ? envBackoff : DEFAULT_WEBHOOK_BACKOFF_MS),
    log: options.log,
  });
  worker?.start();
  dispatcher.start();
  return {
    worker,
    dispatcher,
    async stop() {
      await Promise.all([worker?.stop(), dispatcher.stop()]);
    },
  };
}
