import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesInCodeOrder } from '../../../src/core/message/rules';

test('docs/core.md lists every rule with its code, id and default severity', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/core.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| IOT\d{3} \|/.test(l));
  assert.equal(rows.length, rulesInCodeOrder().length);
  for (const rule of rulesInCodeOrder()) {
    const row = rows.find((r) => r.startsWith(`| ${rule.code} | \`${rule.id}\` |`));
    assert.ok(row, `${rule.code} ${rule.id} is documented`);
    assert.ok(row.split('|')[3]?.includes(rule.severity), `${rule.code} severity ${rule.severity}`);
  }
});
