import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'vk_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters carry 256 bits. */
const RANDOM_CHARS = 43;
/** What a listing shows: the prefix and the first 8 random characters. */
export const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8;

export interface GeneratedKey {
  key: string;
  hash: string;
  displayPrefix: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key: `vk_` + 43 base62 characters (rejection sampling keeps every character uniform). */
export function generateApiKey(): GeneratedKey {
  let body = '';
  while (body.length < RANDOM_CHARS) {
    for (const byte of randomBytes(64)) {
      if (byte < 248 && body.length < RANDOM_CHARS) body += ALPHABET[byte % 62];
    }
  }
  const key = KEY_PREFIX + body;
  return { key, hash: hashApiKey(key), displayPrefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}
