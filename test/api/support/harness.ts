// A real server on a real socket over a real database and the real engine (models trained on the seeded
// markets once per call), for the API tests.
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../../src/api/server.js';
import type { ApiApp } from '../../../src/api/types.js';
import { createAccount } from '../../../src/services/accounts/create-account.js';
import { MarketRuntime } from '../../../src/services/market-runtime.js';
import type { Store } from '../../../src/store/database.js';
import { createStoreTarget, type StoreTarget } from '../../support/stores.js';
import { seedMarkets, type Seeded } from './seed.js';
import { trainTestMarkets, type TrainTestMarketsOptions } from './train-test-markets.js';

type CallOptions = { key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string>; via?: 'bearer' | 'x-api-key' };
type Call = (method: string, path: string, options?: CallOptions) => Promise<{ status: number; body: any; headers: Headers }>;

export interface TestApi {
  app: ApiApp;
  store: Store;
  target: StoreTarget;
  engine: MarketRuntime;
  seeded: Seeded;
  baseUrl: string;
  /** Log lines the server wrote. */
  logs: string[];
  call: Call;
  /**
   * The same request to a second server over the same store whose engine was loaded before any model was
   * trained: a server still starting up, every market not ready.
   */
  callUntrained: Call;
  newAccount(options?: { email?: string; credits?: number; rateLimit?: number; organisationId?: number }): Promise<{ accountId: number; key: string }>;
  close(): Promise<void>;
}

let counter = 0;

export async function startTestApi(name: 'sqlite' | 'postgres', training: TrainTestMarketsOptions = {}): Promise<TestApi> {
  const target = await createStoreTarget(name);
  const store = await target.open();
  const seeded = await seedMarkets(store);
  const untrained = await MarketRuntime.load(store);
  const engine = await trainTestMarkets(store, training);
  const logs: string[] = [];
  const app = await buildServer({ store, engine, logger: { level: 'info', stream: { write: (line: string) => void logs.push(line) } } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let untrainedApp: ApiApp | null = null;
  let untrainedUrl: Promise<string> | null = null;
  const startUntrained = async () => {
    untrainedApp = await buildServer({ store, engine: untrained, logger: false });
    await untrainedApp.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(untrainedApp.server.address() as AddressInfo).port}`;
  };
  return {
    app,
    store,
    target,
    engine,
    seeded,
    baseUrl,
    logs,
    call: (method, path, options) => request(baseUrl, method, path, options),
    async callUntrained(method, path, options) {
      untrainedUrl ??= startUntrained();
      return request(await untrainedUrl, method, path, options);
    },
    async newAccount(options = {}) {
      const { account, apiKey } = await createAccount(store, {
        email: options.email ?? `user${++counter}-${Date.now()}@example.com`,
        credits: options.credits ?? 100,
        rateLimit: options.rateLimit ?? 10_000,
        organisationId: options.organisationId ?? null,
        withKey: true,
      });
      return { accountId: account.id, key: apiKey! };
    },
    async close() {
      await app.close();
      if (untrainedUrl) {
        await untrainedUrl;
        await untrainedApp?.close();
      }
      await store.close();
      await target.destroy();
    },
  };
}

async function request(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) {
    if (options.via === 'x-api-key') headers['x-api-key'] = options.key;
    else headers.authorization = `Bearer ${options.key}`;
  }
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const response = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (the /docs page)
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
