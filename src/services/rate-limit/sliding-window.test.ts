import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secondsUntilAllowed } from './sliding-window.js';

describe('secondsUntilAllowed', () => {
  it('waits for the previous window to decay, or for the current window to roll over', () => {
    // 60 of 60 last window, none yet, 0 s into this one: the estimate falls below 60 after 1 s.
    assert.equal(secondsUntilAllowed(60, 0, 60, 0, 0), 1);
    // 60 in the current window, 30 s in: 30 s until it rolls, then 1 s of decay.
    assert.equal(secondsUntilAllowed(0, 60, 60, 30_000, 0), 31);
  });
});
