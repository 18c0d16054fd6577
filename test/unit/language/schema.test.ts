// The shipped JSON Schema and the language rules agree: what VS Code's JSON language reports from
// the schema is exactly what the server leaves out in VS Code (syntax and shape diagnostics), so
// nothing is reported twice and nothing is lost. Checked with the real vscode-json-languageservice.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getLanguageService, type JSONSchema } from 'vscode-json-languageservice';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { SYSTEM_PROPERTY_WIRE_NAMES } from '../../../src/core/message/model';
import { diagnose } from '../../../src/language/rules/diagnose';
import { MESSAGE_FIELDS } from '../../../src/language/rules/messageFile';

const root = join(import.meta.dirname, '../../..');
const schema = JSON.parse(readFileSync(join(root, 'schemas/iotmsg.schema.json'), 'utf8')) as JSONSchema & {
  definitions: { message: { properties: Record<string, unknown> }; systemProperties: { properties: Record<string, unknown> } };
};
const NOW = new Date('2026-11-22T09:00:00.000Z');

async function schemaProblems(text: string): Promise<string[]> {
  const ls = getLanguageService({});
  const doc = TextDocument.create('file:///m.iotmsg.json', 'json', 1, text);
  const diags = await ls.doValidation(doc, ls.parseJSONDocument(doc), { comments: 'error', trailingCommas: 'error' }, schema);
  return diags.map((d) => (typeof d.message === 'string' ? d.message : d.message.value));
}

function ourShapeProblems(text: string): string[] {
  return diagnose(text, { now: NOW }).filter((d) => d.origin !== 'rule').map((d) => `${d.code} ${d.message}`);
}

const SAMPLES: Record<string, string> = {
  'telemetry demo': readFileSync(join(root, 'demo/telemetry.iotmsg.json'), 'utf8'),
  'commands demo': readFileSync(join(root, 'demo/commands.iotmsg.json'), 'utf8'),
  'invalid demo (rule problems only)': readFileSync(join(root, 'demo/invalid.iotmsg.json'), 'utf8'),
  'any body': '{"direction":"d2c","body":[1,{"x":null},"s",true]}',
  'missing direction': '{"deviceId":"a"}',
  'unknown direction': '{"direction":"up"}',
  'direction not a string': '{"direction":1}',
  'unknown field': '{"direction":"d2c","devideId":"a"}',
  'unknown system property': '{"direction":"d2c","systemProperties":{"messageID":"a"}}',
  'number system property': '{"direction":"d2c","systemProperties":{"messageId":5}}',
  'number application property': '{"direction":"d2c","applicationProperties":{"n":5}}',
  'application properties array': '{"direction":"d2c","applicationProperties":[]}',
  'scalar file': '"hello"',
  'empty array': '[]',
  'array with a string': '[{"direction":"d2c"},"x"]',
  'trailing comma': '{"direction":"d2c",}',
  'duplicate key': '{"direction":"d2c","body":1,"body":2}',
};

void describe('schema and rules agree on structure', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    void it(name, async () => {
      const fromSchema = await schemaProblems(text);
      const ours = ourShapeProblems(text);
      assert.equal(fromSchema.length > 0, ours.length > 0, `schema: ${JSON.stringify(fromSchema)}\nours: ${JSON.stringify(ours)}`);
    });
  }
  void it('semantic file rules are ours alone (schema silent, rule origin)', async () => {
    const text = '{"direction":"c2d","systemProperties":{"ttl":"1 hour"},"body":{"base64":"!!"}}';
    assert.deepEqual(await schemaProblems(text), []);
    assert.deepEqual(diagnose(text, { now: NOW }).map((d) => [d.code, d.origin]), [['IOT907', 'rule'], ['IOT909', 'rule']]);
  });
  void it('lists exactly the fields and system properties the parser knows', () => {
    assert.deepEqual(Object.keys(schema.definitions.message.properties).sort(), [...MESSAGE_FIELDS].sort());
    assert.deepEqual(Object.keys(schema.definitions.systemProperties.properties).sort(), [...Object.keys(SYSTEM_PROPERTY_WIRE_NAMES), 'ttl'].sort());
  });
});

void describe('schema hovers', () => {
  void it('a direction value says what it means once (description and enum description do not repeat each other)', async () => {
    const ls = getLanguageService({ schemaRequestService: async () => JSON.stringify(schema) });
    ls.configure({ schemas: [{ uri: 'mem://iotmsg', fileMatch: ['*.iotmsg.json'], schema }] });
    const text = '{"direction":"d2c"}';
    const doc = TextDocument.create('file:///m.iotmsg.json', 'json', 1, text);
    const h = await ls.doHover(doc, doc.positionAt(text.indexOf('d2c') + 1), ls.parseJSONDocument(doc));
    const c = h?.contents;
    const markdown = typeof c === 'string' ? c : Array.isArray(c) ? c.map((x) => (typeof x === 'string' ? x : x.value)).join('\n') : c?.value ?? '';
    const shown = markdown.replace(/\\(.)/g, '$1');
    assert.equal((shown.match(/device-to-cloud/gi) ?? []).length, 1, shown);
    assert.equal((shown.match(/256 KB/g) ?? []).length, 1, shown);
  });
});
