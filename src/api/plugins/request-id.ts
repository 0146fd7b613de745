import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiApp } from '../types.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's X-Request-Id when it is a plain token (so logs stay clean), else a new UUID. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

export function installRequestIds(app: ApiApp): void {
  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = process.hrtime.bigint();
    reply.header('X-Request-Id', request.id);
  });
}
