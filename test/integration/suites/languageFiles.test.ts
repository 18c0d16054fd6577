// Message files in a real VS Code: the language server starts for *.iotmsg.json, diagnostics land
// at the exact characters, VS Code's JSON language validates the shipped schema (and the server
// does not say the same thing again), quick fixes apply, hover and code lenses work.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SendOutcome } from '../../../src/vscode/send/sendCommands';
import { activateExtension, after, suite, test, waitFor, workspaceDir } from '../framework';
import { hubClient, runningHubInfo } from '../localHubHelpers';

const SOURCE = 'iot-hub-msg';

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(workspaceDir(), name)));
  await vscode.window.showTextDocument(doc);
  return doc;
}

suite('language: message files', () => {
  after(async () => {
    // Leave no dirty editors behind for other suites.
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('diagnostics of the invalid demo at the exact characters, with codes', async () => {
    await activateExtension();
    const doc = await open('invalid.iotmsg.json');
    assert.equal(doc.languageId, 'json');
    const diags = await waitFor(() => { const d = ours(doc.uri); return d.length >= 6 && d; }, { timeout: 30_000, message: 'iot-hub-msg diagnostics' });
    const shown = diags.map((d) => `${codeOf(d)} ${doc.getText(d.range)}`).sort();
    // One problem per value: the message-id's four bad characters are one IOT103 spanning them,
    // each exact place listed under it (related information in the Problems view).
    assert.deepEqual(shown, [
      'IOT101  ',
      'IOT101 \\u00b0',
      'IOT103  #42/\\"urgent\\"',
      'IOT104 "unit"',
      'IOT110 "Full"',
      'IOT112 "latin-1"',
    ]);
    const id = diags.find((d) => codeOf(d) === 'IOT103');
    assert.deepEqual(id?.relatedInformation?.map((r) => doc.getText(r.location.range)), [' ', '/', '\\"', '\\"']);
    assert.match(id?.message ?? '', /contains 4 characters that are not allowed: a space \(U\+0020\) at offset 5, '\/' \(U\+002F\) at offset 9, '"' \(U\+0022\) at offset 10, '"' \(U\+0022\) at offset 17; IoT Hub allows only/);
    const degree = diags.find((d) => doc.getText(d.range) === '\\u00b0');
    assert.equal(degree?.severity, vscode.DiagnosticSeverity.Error);
    assert.match(degree?.message ?? '', /U\+00B0/);
  }, { timeout: 45_000 });

  test('the JSON language validates the shipped schema, and the server does not repeat it', async () => {
    writeFileSync(join(workspaceDir(), 'shape.iotmsg.json'), '{\n  "deviceId": "a",\n  "bodyy": 1\n}\n');
    const doc = await open('shape.iotmsg.json');
    const all = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(doc.uri);
      return d.length >= 2 && d;
    }, { timeout: 30_000, message: 'schema diagnostics from the JSON language' });
    const messages = all.map((d) => `${d.source ?? ''}: ${d.message}`);
    assert.ok(messages.some((m) => /Missing property "direction"/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /Property bodyy is not allowed/.test(m)), messages.join('\n'));
    assert.deepEqual(ours(doc.uri).map((d) => d.message), [], 'shape errors are left to the JSON language');
    // ... while the fixes for them still come from the server.
    const bodyy = all.find((d) => /bodyy/.test(d.message));
    assert.ok(bodyy);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, bodyy.range);
    const rename = actions.find((a) => a.title === 'Rename to "body"');
    assert.ok(rename?.edit, actions.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(rename.edit));
    assert.match(doc.getText(), /"body": 1/);
    const direction = actions.length > 0 && await waitFor(async () => {
      const all2 = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, new vscode.Range(0, 0, 0, 1));
      return all2.find((a) => a.title === 'Add "direction": "d2c"');
    }, { timeout: 10_000, message: 'add-direction fix' });
    assert.ok(direction && direction.edit && await vscode.workspace.applyEdit(direction.edit));
    await waitFor(() => vscode.languages.getDiagnostics(doc.uri).length === 0, { timeout: 15_000, message: 'a clean file after both fixes' });
  }, { timeout: 45_000 });

  test('a quick fix from the code action provider removes its diagnostic', async () => {
    const doc = await open('invalid.iotmsg.json');
    const dup = await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'IOT104'), { timeout: 30_000, message: 'IOT104' });
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, dup.range, vscode.CodeActionKind.QuickFix.value);
    const remove = actions.find((a) => a.title === 'Remove the duplicate property "unit"');
    assert.ok(remove?.edit, `actions: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    assert.equal(doc.getText().includes('"unit": "celsius"'), false);
    await waitFor(() => !ours(doc.uri).some((d) => codeOf(d) === 'IOT104') && ours(doc.uri).length > 0, { timeout: 15_000, message: 'IOT104 to go' });
    const degree = ours(doc.uri).find((d) => doc.getText(d.range) === '\\u00b0');
    assert.ok(degree);
    const fixes = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, degree.range);
    const encode = fixes.find((a) => a.title.startsWith('Percent-encode'));
    assert.ok(encode?.edit);
    assert.ok(await vscode.workspace.applyEdit(encode.edit));
    assert.match(doc.getText(), /"Unit": "%C2%B0C"/);
    await waitFor(() => !ours(doc.uri).some((d) => doc.getText(d.range) === '\\u00b0') && ours(doc.uri).length > 0, { timeout: 15_000, message: 'IOT101 on the degree sign to go' });
  }, { timeout: 45_000 });

  test('"Check All Message Files" puts the problems of every file in the Problems view', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const late = '{"direction": "c2d", "systemProperties": {"ack": "sometimes"}}';
    writeFileSync(join(workspaceDir(), 'late.iotmsg.json'), late);
    const checked = await vscode.commands.executeCommand<number>('iotHubMessaging.lintWorkspace');
    assert.ok(checked >= 4, `checked ${checked} files`);
    const uri = vscode.Uri.file(join(workspaceDir(), 'late.iotmsg.json'));
    const d = await waitFor(() => ours(uri).find((x) => codeOf(x) === 'IOT110'), { timeout: 30_000, message: 'IOT110 in late.iotmsg.json' });
    assert.deepEqual([d.range.start.character, d.range.end.character], [late.indexOf('"sometimes"'), late.indexOf('"sometimes"') + 11]);
  }, { timeout: 45_000 });

  test('hover shows the size against the C2D limit; code lenses send the message', async () => {
    const doc = await open('commands.iotmsg.json');
    const at = doc.positionAt(doc.getText().indexOf('"target"'));
    const hovers = await waitFor(async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
      const text = h.flatMap((x) => x.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      return /C2D message: /.test(text) && text;
    }, { timeout: 30_000, message: 'size hover' });
    assert.match(hovers, /of 65,536 bytes/);
    // Other features (the inspector) add their own lenses to message files; ours are the send ones.
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri))
      .filter((l) => /^iotHubMessaging\.send(D2c|C2d)FromFile$/.test(l.command?.command ?? ''));
    assert.deepEqual(lenses.map((l) => l.command?.title), ['Send C2D to thermostat-01', 'Send C2D to thermostat-01']);
    // Invoked, a lens sends that message of the file: thermostat-01 is not on the local hub
    // (yet), so the outcome names the device; once created, the same lens queues the message.
    const lens = lenses[0]!.command!;
    assert.deepEqual(lens.arguments, [{ uri: doc.uri.toString(), messageIndex: 0 }]);
    const info = await runningHubInfo();
    const client = hubClient(info);
    try {
      await client.deleteDevice('thermostat-01').catch(() => undefined);
      const missing = await vscode.commands.executeCommand<SendOutcome>(lens.command, ...(lens.arguments ?? []));
      assert.deepEqual(missing, { status: 'failed', kind: 'device-not-found', error: "Device 'thermostat-01' is not registered on the hub." });
      await client.createDevice({ deviceId: 'thermostat-01' });
      const outcome = await vscode.commands.executeCommand<SendOutcome>(lens.command, ...(lens.arguments ?? []));
      assert.equal(outcome.status, 'sent', JSON.stringify(outcome));
      const queued = (await client.peekQueue('thermostat-01')).find((m) => m.messageId === 'set-point-0001');
      assert.ok(queued, 'the lens\'s message is in the queue');
      assert.equal(queued.systemProperties.ack, 'full');
      assert.equal(Buffer.from(queued.bodyBase64, 'base64').toString(), '{"target":20.0}');
      await client.deleteDevice('thermostat-01');
    } finally {
      client.close();
    }
  }, { timeout: 60_000 });
});
