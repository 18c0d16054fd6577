// The real webview bundle in a real browser (Debian's Chromium via Playwright), outside VS Code:
// same HTML and CSP as the host serves, a stub acquireVsCodeApi. Checks what the user sees: the
// flags in the DOM, live re-validation on edit, the size bar, the request/response correlation,
// the virtualised hex view, and that the CSP is never violated.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../../../src/core/message/model';
import { toWire } from '../../../src/inspector/wire';
import { buildBundle, loadMessage, openStandalone, type StandaloneInspector } from './standalonePage';

let s: StandaloneInspector;
let bundle: Awaited<ReturnType<typeof buildBundle>>;
let disposeBundle: () => void = () => undefined;

before(async () => {
  bundle = await buildBundle();
  disposeBundle = bundle.dispose;
  s = await openStandalone(bundle);
});
after(async () => {
  await s?.close();
  disposeBundle();
});

const OVERSIZE_C2D = createMessage({
  direction: 'c2d', deviceId: 'thermostat-1',
  systemProperties: { messageId: 'msg-1', contentType: 'application/json', ack: 'full' },
  applicationProperties: [{ name: 'temp erature', value: '21' }, { name: 'unit', value: 'C' }],
  body: new TextEncoder().encode(JSON.stringify({ samples: Array.from({ length: 15000 }, (_, i) => i) })),
});

void test('flags: the invalid character is marked in place with its rule, and the size bar is red past 64 KB', async () => {
  await s.post(loadMessage(OVERSIZE_C2D, { kind: 'c2dQueue', deviceId: 'thermostat-1' }));
  const p = s.page;
  const marks = p.locator('[data-testid="application:0:name-text"] mark.flag');
  assert.equal(await marks.count(), 1);
  assert.equal(await marks.first().getAttribute('data-raw'), ' ');
  assert.equal(await marks.first().getAttribute('data-codes'), 'IOT101');
  assert.match((await marks.first().getAttribute('title')) ?? '', /^a space \(U\+0020\): IOT101 Character not allowed in an application property\./);
  assert.equal(await marks.first().getAttribute('aria-label'), await marks.first().getAttribute('title'));
  assert.equal(await p.locator('[data-testid="application:1:name-text"] mark').count(), 0);
  assert.equal(await p.locator('tr[data-key="application:0"]').getAttribute('data-worst'), 'error');

  const bar = p.locator('[data-testid="size-bar"]');
  assert.equal(await bar.getAttribute('data-over'), 'true');
  assert.match((await bar.getAttribute('aria-label')) ?? '', /C2D limit 64 KB\): [\d,]+ bytes over/);
  assert.match(await p.locator('[data-testid="size-summary"]').innerText(), /of 65,536 bytes/);
  const problems = p.locator('[data-testid="problem-list"] li');
  assert.deepEqual(await problems.evaluateAll((els) => els.map((e) => e.getAttribute('data-rule'))), ['invalid-character', 'message-too-large']);
  assert.deepEqual(s.errors, []);
  assert.deepEqual(await s.cspViolations(), []);
});

void test('edit: typing a valid name removes the flag live, Enter keeps it, the new state goes to the host', async () => {
  const p = s.page;
  await p.locator('[data-testid="application:0:name-edit"]').click();
  const input = p.locator('[data-testid="application:0:name"] vscode-text-field input');
  await input.waitFor();
  await input.fill('temperature');
  // Live: the preview under the field and the problem list update while typing.
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="problem-list"] li[data-rule="invalid-character"]').length === 0);
  assert.equal(await p.locator('[data-testid="application:0:name-preview"] mark').count(), 0);
  await input.press('Enter');
  assert.equal(await p.locator('[data-testid="application:0:name-text"]').innerText(), 'temperature');
  assert.equal(await p.locator('tr[data-key="application:0"]').getAttribute('data-worst'), '');
  // Focus returns to the Edit button (keyboard users keep their place).
  assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'application:0:name-edit');
  await p.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'stateChanged'));
  const posted = await s.posted();
  const last = posted.filter((m) => m.type === 'stateChanged').at(-1);
  assert.ok(last && last.type === 'stateChanged');
  assert.equal(last.state.edited, true);
  assert.deepEqual(last.state.message.applicationProperties[0], { name: 'temperature', value: '21' });
  assert.match(await p.locator('h1').innerText(), /\(edited\)/);
});

void test('Escape puts back the value from before editing', async () => {
  const p = s.page;
  await p.locator('[data-testid="system:messageId:value-edit"]').click();
  const input = p.locator('[data-testid="system:messageId:value"] vscode-text-field input');
  await input.fill('bad id!/');
  // One problem for the value (space and '/'), each character still marked in place.
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="problem-list"] li[data-rule="message-id-invalid-character"]').length === 1);
  assert.match(await p.locator('[data-testid="problem-list"] li[data-rule="message-id-invalid-character"]').innerText(), /2 characters that are not allowed: a space .* '\/'/);
  assert.deepEqual(await p.locator('[data-testid="system:messageId:value-preview"] mark').allInnerTexts(), ['·', '/']); // a space is shown as a visible dot
  await input.press('Escape');
  assert.equal(await p.locator('[data-testid="system:messageId:value-text"]').innerText(), 'msg-1');
  assert.equal(await p.locator('[data-testid="problem-list"] li[data-rule="message-id-invalid-character"]').count(), 0);
});

void test('direction switch: the same message under D2C (256 KB) is not over the limit', async () => {
  const p = s.page;
  await p.locator('[data-testid="direction"]').click();
  await p.locator('vscode-option[value="d2c"]').click();
  await p.waitForFunction(() => document.querySelector('[data-testid="size-bar"]')?.getAttribute('data-over') === 'false');
  assert.match(await p.locator('[data-testid="size-summary"]').innerText(), /D2C limit 256 KB/);
});

void test('requests carry correlation ids; the answer with the same id reaches the right caller', async () => {
  const p = s.page;
  assert.equal(await p.locator('[data-testid="send-d2c"]').getAttribute('disabled'), '');
  assert.match(await p.locator('[data-testid="send-note"]').innerText(), /The send commands are not registered in this window/);
  await p.locator('[data-testid="save-file"]').click();
  await p.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'request'));
  const req = (await s.posted()).find((m) => m.type === 'request');
  assert.ok(req && req.type === 'request' && req.method === 'saveAsFile');
  assert.deepEqual(req.params.message.applicationProperties[0], { name: 'temperature', value: '21' });
  await s.post({ type: 'response', id: req.id + 100, ok: true, result: { path: '/wrong' } });
  await s.post({ type: 'response', id: req.id, ok: true, result: { path: '/tmp/msg-1.iotmsg.json' } });
  await p.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent?.includes('Saved to /tmp/msg-1.iotmsg.json'));
});

void test('hex view: a 256 KB body keeps only the visible rows in the DOM, and scrolling draws later rows', async () => {
  const body = new Uint8Array(256 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = i & 0xff;
  await s.post(loadMessage(createMessage({ direction: 'd2c', systemProperties: { messageId: 'bin' }, body }), { kind: 'paste' }, { bodyView: 'hex' }));
  const p = s.page;
  const hex = p.locator('[data-testid="hex-view"]');
  assert.equal(await hex.getAttribute('data-rows'), '16384');
  const drawn = await hex.locator('.hex-row').count();
  assert.ok(drawn > 0 && drawn < 200, `${drawn} rows drawn`);
  assert.equal(await hex.locator('.hex-row').first().innerText(), '00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................');
  await hex.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await p.waitForFunction(() => document.querySelector('[data-testid="hex-view"] .hex-row:last-child')?.getAttribute('data-offset') === String(256 * 1024 - 16));
  assert.deepEqual(await s.cspViolations(), []);
});

void test('a UTF-16 body is shown as text (content-encoding honoured)', async () => {
  const text = '{"t":"21\u00b0C"}';
  const body = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) { body[i * 2] = text.charCodeAt(i) & 0xff; body[i * 2 + 1] = text.charCodeAt(i) >> 8; }
  await s.post(loadMessage(createMessage({ direction: 'd2c', systemProperties: { contentType: 'text/plain', contentEncoding: 'utf-16' }, body })));
  const area = s.page.locator('[data-testid="body-text"]');
  assert.equal(await area.inputValue(), text);
  assert.match(await s.page.locator('[data-testid="body-meta"]').innerText(), /decoded as utf-16le/);
  assert.deepEqual(s.errors, []);
});

void test('unset system properties are listed on request, and one set stays listed', async () => {
  await s.post(loadMessage(createMessage({ direction: 'd2c', systemProperties: { messageId: 'm-unset' }, body: new TextEncoder().encode('x') })));
  const p = s.page;
  assert.equal(await p.locator('tr[data-key="system:correlationId"]').count(), 0);
  await p.locator('[data-testid="toggle-unset"]').click();
  assert.equal(await p.locator('tr[data-key="system:correlationId"]').count(), 1);
  await p.locator('[data-testid="system:correlationId:value-edit"]').click();
  const input = p.locator('[data-testid="system:correlationId:value"] vscode-text-field input');
  await input.fill('corr-1');
  await input.press('Enter');
  await p.locator('[data-testid="toggle-unset"]').click();
  assert.equal(await p.locator('tr[data-key="system:correlationId"]').count(), 1);
  assert.equal(await p.locator('tr[data-key="system:userId"]').count(), 0);
  assert.equal(await p.locator('[data-testid="system:correlationId:value-text"]').innerText(), 'corr-1');
});

void test('"Go to" in the problem list moves keyboard focus to the field it is about', async () => {
  await s.post(loadMessage(createMessage({ direction: 'c2d', applicationProperties: [{ name: 'ok', value: '1' }, { name: 'bad name', value: '2' }] })));
  const p = s.page;
  await p.locator('[data-testid="problem-list"] li[data-rule="invalid-character"] button').click();
  assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'application:1:name-edit');
  assert.match((await p.locator('[data-testid="application:1:name-edit"]').getAttribute('aria-label')) ?? '', /Edit name of application property 2 \(1 problem\)/);
});

void test('typing in the body re-validates the size without replacing the textarea under the caret', async () => {
  await s.post(loadMessage(createMessage({ direction: 'c2d', systemProperties: { contentType: 'text/plain' }, body: new TextEncoder().encode('hello') })));
  const p = s.page;
  const area = p.locator('[data-testid="body-text"]');
  await area.click();
  await p.keyboard.press('End');
  await p.keyboard.type(' world');
  await p.waitForFunction(() => document.querySelector('[data-testid="size-legend-body"], .size-legend tr[data-part="body"] td')?.textContent === '11 bytes');
  await p.keyboard.type('!');
  await p.waitForFunction(() => document.querySelector('.size-legend tr[data-part="body"] td')?.textContent === '12 bytes');
  assert.equal(await area.inputValue(), 'hello world!');
  assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'body-text');
  const last = (await s.posted()).filter((m) => m.type === 'stateChanged').at(-1);
  await p.waitForTimeout(400);
  const latest = (await s.posted()).filter((m) => m.type === 'stateChanged').at(-1) ?? last;
  assert.ok(latest && latest.type === 'stateChanged');
  assert.equal(atob(latest.state.message.bodyBase64), 'hello world!');
});

void test('Revert edits goes back to the message as first opened, also after a reload (state carries the original)', async () => {
  const original = createMessage({ direction: 'c2d', systemProperties: { messageId: 'rev-1' }, applicationProperties: [{ name: 'a b', value: '1' }] });
  const edited = createMessage({ direction: 'c2d', systemProperties: { messageId: 'rev-1' }, applicationProperties: [{ name: 'ab', value: '1' }] });
  const restored = loadMessage(edited, { kind: 'paste' }, { edited: true, original: toWire(original) });
  await s.post(restored);
  const p = s.page;
  assert.equal(await p.locator('[data-testid="application:0:name-text"]').innerText(), 'ab');
  await p.locator('[data-testid="revert"]').click();
  assert.equal(await p.locator('[data-testid="application:0:name-text"] mark').count(), 1);
  assert.doesNotMatch(await p.locator('h1').innerText(), /edited/);
  // Editing again records the original once more in the saved state.
  await p.locator('[data-testid="application:0:name-edit"]').click();
  const input = p.locator('[data-testid="application:0:name"] vscode-text-field input');
  await input.fill('a_b');
  await input.press('Enter');
  await p.waitForTimeout(400);
  const last = (await s.posted()).filter((m) => m.type === 'stateChanged').at(-1);
  assert.ok(last && last.type === 'stateChanged');
  assert.deepEqual(last.state.original?.applicationProperties, [{ name: 'a b', value: '1' }]);
  assert.deepEqual(last.state.message.applicationProperties, [{ name: 'a_b', value: '1' }]);
});

void test('routes: the Routes section draws the host\'s verdict (endpoints, each route\'s verdict and why) within the CSP', async () => {
  const { routesVerdict } = await import('../../../src/inspector/routesVerdict');
  const message = createMessage({ direction: 'd2c', deviceId: 'd1', applicationProperties: [{ name: 'level', value: 'info' }] });
  await s.post(loadMessage(message, { kind: 'paste' }));
  const routes = JSON.stringify({
    routes: [{ name: 'alerts', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true }],
    fallbackRoute: { isEnabled: false }, endpoints: { eventHubs: [{ name: 'eh-alerts' }] },
  });
  await s.post({ type: 'routes', verdict: routesVerdict(message, 'd2c', { text: routes, source: '/ws/r.iotroutes.json' }) });
  const p = s.page;
  await p.locator('[data-testid="routes-table"]').waitFor();
  assert.match(await p.locator('[data-testid="routes-summary"]').innerText(), /dropped: no route matched and the fallback route is off/);
  const row = p.locator('[data-testid="routes-table"] tr[data-route="alerts"]');
  assert.equal(await row.getAttribute('data-verdict'), 'no-match');
  assert.match(await row.innerText(), /eh-alerts\s+no match\s+`level = 'critical'` was false; `level` was 'info'/);
  await s.post({ type: 'routes', verdict: { kind: 'none', reason: 'C2D messages are not routed.' } });
  await p.waitForFunction(() => document.querySelector('[data-testid="routes-summary"]')?.textContent === 'C2D messages are not routed.');
  assert.deepEqual(s.errors, []);
  assert.deepEqual(await s.cspViolations(), []);
});

void test('read-only: a queued C2D message shows no editing or sending actions, and its IoT Hub stamps as stamps', async () => {
  const queued = createMessage({
    direction: 'c2d', deviceId: 'thermostat-1',
    systemProperties: { messageId: 'queued-1', ack: 'full', sequenceNumber: '7', enqueuedTimeUtc: '2026-11-22T08:00:00.000Z', deliveryCount: '1' },
    applicationProperties: [{ name: 'unit', value: 'C' }],
    body: new TextEncoder().encode('{"setPoint":21}'),
  });
  await s.post(loadMessage(queued, { kind: 'c2dQueue', deviceId: 'thermostat-1', state: 'enqueued' }, { readOnly: true }));
  const p = s.page;
  await p.locator('[data-testid="read-only-note"]').waitFor();
  for (const id of ['send-d2c', 'send-c2d', 'revert', 'add-property', 'toggle-unset']) {
    assert.equal(await p.locator(`[data-testid="${id}"]`).first().isVisible(), false, `${id} is not shown`);
  }
  assert.equal(await p.locator('[data-testid="save-file"]').count(), 1);
  assert.equal(await p.locator('.edit-button').count(), 0, 'no Edit button on any field');
  assert.equal(await p.locator('[data-testid$=":remove"]').count(), 0);
  assert.equal(await p.locator('textarea:not([readonly])').count(), 0, 'no editable body');
  const stamped = await p.locator('tr:has(.stamped)').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')).sort());
  assert.deepEqual(stamped, ['delivery-count', 'iothub-enqueuedtime', 'sequence-number']);
  assert.equal(await p.locator('tr.flagged').count(), 0, 'nothing flagged');
  assert.deepEqual(s.errors, []);
  assert.deepEqual(await s.cspViolations(), []);
});

void test('inlined load: the page shows the message from its HTML before anything is posted, and says which revision it shows', async () => {
  // The host inlines the message; text from the message that looks like markup stays text.
  const hostileId = '</script><script>window.__ran = true</script>';
  const msg = createMessage({ direction: 'd2c', deviceId: 'd-inline', systemProperties: { messageId: hostileId }, applicationProperties: [{ name: 'unit', value: '<b>C</b>' }] });
  const load = loadMessage(msg);
  if (load.type !== 'load') throw new Error('loadMessage made no load');
  const { type: _type, ...initial } = load;
  const page = await openStandalone(bundle, '', s.browser, { ...initial, revision: 3 });
  try {
    const posted = await page.posted();
    assert.deepEqual(posted.filter((m) => m.type === 'ready'), [{ type: 'ready', shown: 3 }]);
    assert.equal(await page.page.locator('#title code').textContent(), hostileId);
    assert.equal(await page.page.evaluate(() => (window as unknown as { __ran?: boolean }).__ran), undefined);
    assert.equal(await page.page.getAttribute('#inspector', 'aria-busy'), 'false');
    // The first frame already had the message: it was drawn before the page's first paint.
    const order = await page.page.evaluate(() => ({
      rendered: performance.getEntriesByName('inspector:rendered')[0]?.startTime ?? NaN,
      paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    }));
    assert.ok(order.rendered < order.paint, `rendered at ${order.rendered} ms, first paint at ${order.paint} ms`);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(await page.cspViolations(), []);
  } finally {
    await page.close();
  }
});

void test('preview panel: a page rebuilt with a saved state shows it unless the HTML\'s load is newer (the message was replaced while hidden); kept is saved', async () => {
  const wire = (id: string) => toWire(createMessage({ direction: 'd2c', systemProperties: { messageId: id } }));
  const base = { version: 1 as const, source: { kind: 'paste' as const }, direction: 'd2c' as const };
  const html = (id: string, revision: number) => ({ state: { ...base, message: wire(id), edited: false }, send: { d2c: false, c2d: false }, revision });
  // Edits since the HTML was written (saved revision 2 >= the HTML's 2): the saved state wins, the host posts its own.
  let page = await openStandalone(bundle, '', s.browser, html('from-html', 2), { ...base, message: wire('saved-edit'), edited: true, revision: 2 });
  try {
    assert.match(await page.page.locator('h1').innerText(), /saved-edit/);
    assert.deepEqual((await page.posted()).filter((m) => m.type === 'ready'), [{ type: 'ready' }]);
  } finally {
    await page.close();
  }
  // Replaced while hidden (HTML revision 5 > saved 2): the new message shows and the page says so.
  page = await openStandalone(bundle, '', s.browser, html('replaced', 5), { ...base, message: wire('old'), edited: false, revision: 2 });
  try {
    assert.match(await page.page.locator('h1').innerText(), /replaced/);
    const posted = await page.posted();
    assert.deepEqual(posted.filter((m) => m.type === 'ready'), [{ type: 'ready', shown: 5 }]);
    assert.deepEqual(posted.filter((m) => m.type === 'shown'), [{ type: 'shown', revision: 5 }]);
    // Kept by the host: the saved state says so (for the serializer), and so does the next state reported.
    await page.post({ type: 'kept' });
    assert.equal(await page.page.evaluate(() => (window as unknown as { __state: { kept?: boolean; revision?: number } }).__state.kept), true);
    // A posted load (the preview reused) is drawn and acknowledged with its revision.
    await page.post({ type: 'load', state: { ...base, message: wire('next'), edited: false }, send: { d2c: false, c2d: false }, revision: 6 });
    assert.match(await page.page.locator('h1').innerText(), /next/);
    assert.deepEqual((await page.posted()).filter((m) => m.type === 'shown').at(-1), { type: 'shown', revision: 6 });
    assert.equal(await page.page.evaluate(() => (window as unknown as { __state: { revision?: number } }).__state.revision), 6);
  } finally {
    await page.close();
  }
});
