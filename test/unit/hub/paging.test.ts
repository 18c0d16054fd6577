// The paging helpers every registry reader uses (src/hub/paging.ts): requests leave out what is
// unset, everyItem walks every page once in order, fillPage keeps reading until a page's worth of
// kept items or the end, never splits a page read, and resumes with the server's own token.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from '../../../src/hub/contracts';
import { everyItem, fillPage, pageOf, pageRequest } from '../../../src/hub/paging';

/** A server over `items` that pages by `size`; its tokens are the index of the next item. */
function server(items: number[], size: number): { read: (token: string | undefined) => Promise<Page<number>>; reads: (string | undefined)[] } {
  const reads: (string | undefined)[] = [];
  return {
    reads,
    read: (token) => {
      reads.push(token);
      const start = token === undefined ? 0 : Number(token);
      const end = Math.min(items.length, start + size);
      return Promise.resolve(pageOf(items.slice(start, end), end < items.length ? String(end) : undefined));
    },
  };
}

void describe('paging helpers', () => {
  void it('pageRequest and pageOf leave out an absent or empty token and a blank filter', () => {
    assert.deepEqual(pageRequest(10), { pageSize: 10 });
    assert.deepEqual(pageRequest(10, '', '  '), { pageSize: 10 });
    assert.deepEqual(pageRequest(10, 'abc', 'dev-*'), { pageSize: 10, continuationToken: 'abc', filter: 'dev-*' });
    assert.ok(!('continuationToken' in pageOf([1], undefined)));
    assert.ok(!('continuationToken' in pageOf([1], '')));
    assert.deepEqual(pageOf([1], 't'), { items: [1], continuationToken: 't' });
  });

  void it('everyItem reads each page once, in order', async () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    const s = server(items, 5);
    const seen: number[] = [];
    for await (const n of everyItem(s.read)) seen.push(n);
    assert.deepEqual(seen, items);
    assert.deepEqual(s.reads, [undefined, '5', '10', '15', '20']);
    const empty = server([], 5);
    for await (const _n of everyItem(empty.read)) assert.fail('no items');
    assert.deepEqual(empty.reads, [undefined]);
  });

  void it('fillPage reads until a page of kept items, without splitting a page, and resumes where it stopped', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const s = server(items, 10);
    const even = (n: number): string | undefined => (n % 2 === 0 ? `#${n}` : undefined);
    // 5 even numbers per page read: 8 wanted takes two reads and keeps all 10 of them.
    const first = await fillPage(s.read, even, 8, undefined);
    assert.equal(first.items.length, 10);
    assert.equal(first.items[0], '#0');
    assert.equal(first.continuationToken, '20');
    const rest = await fillPage(s.read, even, 100, first.continuationToken);
    assert.deepEqual(rest.items, Array.from({ length: 10 }, (_, i) => `#${20 + 2 * i}`));
    assert.equal(rest.continuationToken, undefined);
    assert.deepEqual(s.reads, [undefined, '10', '20', '30']);
    const none = await fillPage(server(items, 10).read, () => undefined, 5, undefined);
    assert.deepEqual(none, { items: [] });
  });
});
