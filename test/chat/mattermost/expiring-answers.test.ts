/** The memory of Mattermost's answers (post origins, channel membership): trusted for a while, then asked again. */
import { expect, it } from 'vitest';
import { ExpiringAnswers } from '../../../src/chat/mattermost/expiring-answers.ts';

it('gives an answer back while it is trusted, false included, and not after', () => {
  let now = 0;
  const answers = new ExpiringAnswers<boolean>(30_000, () => now);
  answers.set('channel:user', false);
  now = 29_999;
  expect(answers.get('channel:user')).toBe(false);
  now = 30_000;
  expect(answers.get('channel:user')).toBeUndefined();
});

it('drops expired answers once it holds pruneAt of them, keeping the fresh ones', () => {
  let now = 0;
  const answers = new ExpiringAnswers<string>(1_000, () => now, 3);
  answers.set('a', 'A');
  answers.set('b', 'B');
  now = 2_000;
  answers.set('c', 'C');
  answers.set('d', 'D'); // three held: the two expired go
  now = 2_500;
  expect([answers.get('a'), answers.get('b'), answers.get('c'), answers.get('d')]).toEqual([undefined, undefined, 'C', 'D']);
  // Pruned, not just expired: a clock set back would find them otherwise.
  now = 0;
  expect(answers.get('a')).toBeUndefined();
});
