// One HTTP attempt. Connects only to an address the destination policy accepts, checked in the socket's
// own DNS lookup so the address checked is the address used.
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { DestinationPolicy, parseWebhookUrl } from './check-destination.js';
import { webhookHeaders } from './sign-webhook.js';

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

export async function deliverWebhook(
  policy: DestinationPolicy,
  delivery: { url: string; secret: string; messageId: string; body: string },
  options: { timeoutMs?: number; now?: Date } = {},
): Promise<AttemptResult> {
  let url: URL;
  try {
    url = parseWebhookUrl(delivery.url);
  } catch (error) {
    return { ok: false, statusCode: null, error: (error as Error).message };
  }
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as unknown as LookupAddress[];
      for (const a of list) {
        const reason = policy.refusal(a.address);
        if (reason) return callback(new Error(`destination refused: ${reason}`), '', 4);
      }
      if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literalRefusal = isIP(host) ? policy.refusal(host) : null;
  if (literalRefusal) return { ok: false, statusCode: null, error: `destination refused: ${literalRefusal}` };

  const headers = webhookHeaders(delivery.secret, delivery.messageId, delivery.body, options.now ?? new Date());
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    const request = client.request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(delivery.body)) }, lookup: guardedLookup, timeout: options.timeoutMs ?? 10_000 },
      (response) => {
        response.resume(); // the receiver's body is not needed; drain it so the socket is released
        response.on('end', () => {
          const code = response.statusCode ?? 0;
          resolve({ ok: code >= 200 && code < 300, statusCode: code, error: code >= 200 && code < 300 ? null : `receiver answered ${code}` });
        });
        response.on('error', (e) => resolve({ ok: false, statusCode: response.statusCode ?? null, error: e.message }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (e) => resolve({ ok: false, statusCode: null, error: e.message }));
    request.end(delivery.body);
  });
}
