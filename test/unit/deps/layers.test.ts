// The layering lint rules (scripts/eslint-layers.mjs and the command-id rule in eslint.config.mjs)
// report what they should and nothing else, run through ESLint's own Linter on sample imports.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
// @ts-expect-error: a plain .mjs module without types
import layers from '../../../scripts/eslint-layers.mjs';
// @ts-expect-error: a plain .mjs module without types
import config from '../../../eslint.config.mjs';

const root = join(import.meta.dirname, '../../..');

function problems(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: root });
  // Every block of the real config that sets no-restricted-syntax (the error-text rule, the command-id rule), in order.
  const syntaxRules = (config as Linter.Config[]).filter((c) => c.rules?.['no-restricted-syntax'] !== undefined)
    .map((c) => ({ ...c, languageOptions: { parser: tseslint.parser as Linter.Parser } }));
  const messages = linter.verify(code, [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser }, plugins: { layers: layers as never }, rules: { 'layers/imports': 'error' } },
    ...syntaxRules,
  ], { filename: join(root, file) });
  return messages.map((m) => m.message);
}

void describe('layer lint rules', () => {
  void it('src/core imports nothing of ours outside src/core, and not vscode', () => {
    assert.deepEqual(problems('src/core/message/x.ts', "import { a } from './model';\nimport { b } from '../codec/propertyBag';\nimport * as fs from 'node:fs';"), []);
    assert.deepEqual(problems('src/core/message/x.ts', "import { a } from '../../hub/contracts';"), ['src/core imports nothing of ours outside src/core (not src/hub/contracts)']);
    assert.deepEqual(problems('src/core/x.ts', "export { a } from '../language/protocol';"), ['src/core imports nothing of ours outside src/core (not src/language/protocol)']);
    assert.deepEqual(problems('src/core/x.ts', "import * as vscode from 'vscode';"), ['src/core never imports vscode']);
  });

  void it('src/hub never imports vscode, src/vscode, src/language or src/inspector', () => {
    assert.deepEqual(problems('src/hub/http/x.ts', "import { a } from '../../core/message/model';\nimport { b } from '../contracts';"), []);
    assert.deepEqual(problems('src/hub/http/x.ts', "import { a } from '../../vscode/runtime';"), ['the hub never imports src/vscode (src/vscode/runtime)']);
    assert.deepEqual(problems('src/hub/x.ts', "const m = import('../language/protocol');"), ['the hub never imports src/language (src/language/protocol)']);
    assert.deepEqual(problems('src/hub/x.ts', "const m = require('../inspector/wire');"), ['the hub never imports src/inspector (src/inspector/wire)']);
    assert.deepEqual(problems('src/hub/x.ts', "import type * as vscode from 'vscode';"), ['the hub never imports vscode (it runs as its own process)']);
  });

  void it('the webview never imports Node modules or vscode', () => {
    assert.deepEqual(problems('webview/inspector/x.ts', "import { a } from '../../src/inspector/protocol';"), []);
    assert.deepEqual(problems('webview/inspector/x.ts', "import * as fs from 'node:fs';\nimport { join } from 'path';"), [
      'the webview never imports Node modules (node:fs): it runs in a browser page',
      'the webview never imports Node modules (path): it runs in a browser page',
    ]);
  });

  void it('command ids used by the language server are written only in src/language/protocol.ts', () => {
    assert.equal(problems('src/language/rules/x.ts', "export const C = 'iotHubMessaging.sendD2cFromFile';").length, 1);
    assert.deepEqual(problems('src/language/protocol.ts', "export const C = 'iotHubMessaging.sendD2cFromFile';"), []);
    assert.deepEqual(problems('src/vscode/x.ts', "import { C } from '../language/protocol';"), []);
  });

  void it('error text from a thrown value comes from src/core/errorText.ts, not an inline copy', () => {
    const inline = 'export const t = (e: unknown) => (e instanceof Error ? e.message : String(e));';
    const rule = /^Use errorText \/ errorDetail \/ toError from src\/core\/errorText\.ts/;
    for (const file of ['src/vscode/x.ts', 'src/hub/x.ts', 'src/language/server/x.ts', 'webview/inspector/x.ts']) {
      const found = problems(file, inline);
      assert.equal(found.length, 1, file);
      assert.match(found[0]!, rule);
    }
    assert.deepEqual(problems('src/core/errorText.ts', inline), []);
    assert.deepEqual(problems('src/vscode/x.ts', "if (e instanceof Error) throw e;"), []);
  });
});
