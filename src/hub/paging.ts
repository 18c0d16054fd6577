// Walking a paged list (the device registry: the hub's management API, IoT Hub's query API): how
// to ask for the next page, how to read every item, and how to fill one page with the items a
// filter keeps when the server cannot filter before paging. One place for the loops that every
// reader of the registry (the hub connections, the CLI, the client, completion) used to write again.
import type { DevicePageRequest, Page } from './contracts';

/**
 * A page request: the size, the continuation token when there is one and the filter when it is not
 * blank (strict optional properties: the keys are left out rather than set to undefined).
 */
export function pageRequest(pageSize: number, continuationToken?: string, filter?: string): DevicePageRequest & { pageSize: number } {
  const request: DevicePageRequest & { pageSize: number } = { pageSize };
  if (continuationToken !== undefined && continuationToken !== '') request.continuationToken = continuationToken;
  if (filter !== undefined && filter.trim() !== '') request.filter = filter;
  return request;
}

/** A page of `items` that continues at `continuationToken` (absent, or empty, on the last page). */
export function pageOf<T>(items: T[], continuationToken: string | undefined): Page<T> {
  const page: Page<T> = { items };
  if (continuationToken !== undefined && continuationToken !== '') page.continuationToken = continuationToken;
  return page;
}

/** Every item, page after page: `readPage` gets undefined first, then each page's continuation token. */
export async function* everyItem<T>(readPage: (continuationToken: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const page = await readPage(token);
    yield* page.items;
    token = page.continuationToken;
  } while (token !== undefined);
}

/**
 * At least `pageSize` of the items `keep` maps to a value, reading pages from `start` on, or what is
 * left of the list: for a filter the server does not apply before paging. A page read is never
 * split, so the result may hold a few more than `pageSize` and its continuation token is the
 * server's own (the next call resumes where the last read page ended).
 */
export async function fillPage<T, U>(
  readPage: (continuationToken: string | undefined) => Promise<Page<T>>,
  keep: (item: T) => U | undefined,
  pageSize: number,
  start: string | undefined,
): Promise<Page<U>> {
  const items: U[] = [];
  let token = start;
  do {
    const page = await readPage(token);
    for (const item of page.items) {
      const kept = keep(item);
      if (kept !== undefined) items.push(kept);
    }
    token = page.continuationToken;
  } while (token !== undefined && items.length < pageSize);
  return pageOf(items, token);
}
