// The `iot-hub-msg lint` CLI: every output format, every exit code, globs, and files that are not
// message files at all (missing, directories, binary, malformed) - a diagnostic, never a crash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { getLanguageService, type JSONSchema } from 'vscode-json-languageservice';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { expandGlob } from '../../../src/lint/glob';
import { lintText } from '../../../src/lint/lintFile';
import { runLint } from '../../../src/lint/run';

const root = join(import.meta.dirname, '../../..');
const NOW = new Date('2026-11-22T09:00:00.000Z');
// Absolute, because the CLI runs in a temp directory where tsx cannot be resolved.
const TSX = createRequire(import.meta.filename).resolve('tsx');

let dir: string;

function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runLint(args, { cwd: dir, stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, version: '0.1.0', now: NOW });
  return { code, out, err };
}

const GOOD = '{\n  "direction": "d2c",\n  "deviceId": "dev-1",\n  "body": {"t": 1}\n}\n';
const WARN = '{\n  "direction": "d2c",\n  "applicationProperties": {"a b": "x"}\n}\n';
const BAD = '{\n  "direction": "c2d",\n  "applicationProperties": {"unit": "\\u00b0C"}\n}\n';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'iotmsg-lint-'));
  mkdirSync(join(dir, 'msgs/nested'), { recursive: true });
  mkdirSync(join(dir, 'node_modules/pkg'), { recursive: true });
  mkdirSync(join(dir, 'folder.iotmsg.json'));
  writeFileSync(join(dir, 'msgs/good.iotmsg.json'), GOOD);
  writeFileSync(join(dir, 'msgs/warn.iotmsg.json'), WARN);
  writeFileSync(join(dir, 'msgs/nested/bad.iotmsg.json'), BAD);
  writeFileSync(join(dir, 'node_modules/pkg/x.iotmsg.json'), BAD);
  writeFileSync(join(dir, 'malformed.iotmsg.json'), '{"direction": "d2c",,}');
  writeFileSync(join(dir, 'binary.iotmsg.json'), Buffer.from([0x7b, 0x00, 0xff, 0xfe]));
  writeFileSync(join(dir, 'bom.iotmsg.json'), `\ufeff${BAD}`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

void describe('exit codes', () => {
  void it('0 when clean, and warnings do not fail unless --max-warnings', () => {
    assert.equal(run(['lint', 'msgs/good.iotmsg.json']).code, 0);
    const w = run(['lint', 'msgs/warn.iotmsg.json']);
    assert.equal(w.code, 0);
    assert.match(w.out, /msgs\/warn\.iotmsg\.json:3:31: warning IOT101 /);
    assert.equal(run(['lint', '--max-warnings', '1', 'msgs/warn.iotmsg.json']).code, 0);
    const strict = run(['lint', '--max-warnings=0', 'msgs/warn.iotmsg.json']);
    assert.equal(strict.code, 1);
    assert.match(strict.err, /1 warnings, more than --max-warnings 0/);
  });
  void it('1 on errors, with file:line:column at the escaped character', () => {
    const r = run(['lint', 'msgs/nested/bad.iotmsg.json']);
    assert.equal(r.code, 1);
    assert.ok(r.out.startsWith('msgs/nested/bad.iotmsg.json:3:38: error IOT101 The value of application property'), r.out);
    assert.match(r.out, /1 file checked: 1 error, 0 warnings\.\n$/);
  });
  void it('2 on bad usage, with the usage text', () => {
    for (const args of [[], ['check', 'x'], ['lint'], ['lint', '--format', 'xml', 'a'], ['lint', '--max-warnings', 'lots', 'a'], ['lint', '--nope', 'a']]) {
      const r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^iot-hub-msg: .+\n\nUsage: iot-hub-msg lint/);
    }
    const none = run(['lint', 'nothing/**/*.iotmsg.json']);
    assert.equal(none.code, 2);
    assert.equal(none.err, 'iot-hub-msg: no files match "nothing/**/*.iotmsg.json".\n');
  });
  void it('--help and --version', () => {
    const h = run(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, /--format <text\|json\|sarif>/);
    assert.deepEqual(run(['lint', '-h']).code, 0);
    assert.equal(run(['--version']).out, '0.1.0\n');
  });
});

void describe('files that are not message files', () => {
  void it('reports missing, directory, binary and malformed files and goes on', () => {
    const r = run(['lint', 'missing.iotmsg.json', 'folder.iotmsg.json', 'binary.iotmsg.json', 'malformed.iotmsg.json', 'msgs/good.iotmsg.json']);
    assert.equal(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4).map((l) => l.split(' ').slice(0, 3).join(' ')), [
      'missing.iotmsg.json:1:1: error IOT911',
      'folder.iotmsg.json:1:1: error IOT911',
      'binary.iotmsg.json:1:1: error IOT912',
      'malformed.iotmsg.json:1:21: error IOT901',
    ]);
    assert.match(lines[0] ?? '', /Cannot read missing\.iotmsg\.json: No such file\./);
    assert.match(lines[1] ?? '', /is a directory/);
    assert.equal(lines.at(-1), '5 files checked: 4 errors, 0 warnings.');
  });
  void it('reports an unreadable file', { skip: process.getuid?.() === 0 ? 'root reads every file' : false }, () => {
    const p = join(dir, 'locked.iotmsg.json');
    writeFileSync(p, GOOD);
    chmodSync(p, 0o000);
    assert.match(run(['lint', 'locked.iotmsg.json']).out, /Permission denied/);
  });
  void it('counts lines the same with CRLF and CR line ends', () => {
    for (const eol of ['\r\n', '\r']) {
      const d = lintText('x.iotmsg.json', BAD.replace(/\n/g, eol), { now: NOW }).diagnostics[0];
      assert.deepEqual(d && [d.line, d.column, d.endLine, d.endColumn], [3, 38, 3, 44], JSON.stringify(eol));
    }
  });
  void it('ignores a UTF-8 byte order mark in columns', () => {
    assert.match(run(['lint', 'bom.iotmsg.json']).out, /^bom\.iotmsg\.json:3:38: error IOT101/);
  });
});

void describe('globs', () => {
  void it('expands ** and *, skipping node_modules, and reports a matched directory', () => {
    const r = run(['--', 'lint', '**/*.iotmsg.json'].slice(1));
    const files = [...new Set(r.out.trim().split('\n').slice(0, -1).map((l) => l.split(':')[0]))];
    assert.deepEqual(files, ['binary.iotmsg.json', 'bom.iotmsg.json', 'folder.iotmsg.json', 'malformed.iotmsg.json', 'msgs/nested/bad.iotmsg.json', 'msgs/warn.iotmsg.json']);
    assert.match(r.out, /7 files checked/);
    assert.match(run(['lint', 'msgs/*.iotmsg.json']).out, /2 files checked/);
    assert.match(run(['lint', 'node_modules/**/*.iotmsg.json']).out, /1 file checked/);
  });
  void it('expands glob syntax, including a brace group that holds a /', () => {
    const g = mkdtempSync(join(tmpdir(), 'lint-glob-'));
    try {
      for (const f of ['a/x1.ts', 'a/b/c/y2.js', 'a/.hidden/x1.ts', 'a/z1.ts', 'a/x12.ts', 'p/q/m.json', 'r/n.json', 's/o.json', '.x.json', 'v.json']) {
        mkdirSync(join(g, f, '..'), { recursive: true });
        writeFileSync(join(g, f), '');
      }
      const rel = (pattern: string): string[] => expandGlob(pattern, g).map((f) => f.slice(g.length + 1).split('\\').join('/'));
      assert.deepEqual(rel('a/**/{x,y}?.[jt]s'), ['a/b/c/y2.js', 'a/x1.ts']);
      assert.deepEqual(rel('{p/q,r}/*.json'), ['p/q/m.json', 'r/n.json'], 'a brace group with / in it');
      assert.deepEqual(rel('*.json'), ['v.json'], '* does not match a leading dot');
      assert.deepEqual(expandGlob('../{p/q,r}/*.json', join(g, 'a')).length, 2, 'a base that goes up');
    } finally {
      rmSync(g, { recursive: true, force: true });
    }
  });
});

void describe('output formats', () => {
  void it('json lists files with 1-based positions', () => {
    const r = run(['lint', '--format', 'json', 'msgs/nested/bad.iotmsg.json', 'msgs/good.iotmsg.json']);
    const parsed = JSON.parse(r.out) as Array<{ file: string; diagnostics: Array<Record<string, unknown>> }>;
    assert.deepEqual(parsed.map((f) => f.file), ['msgs/nested/bad.iotmsg.json', 'msgs/good.iotmsg.json']);
    const d = parsed[0]?.diagnostics[0];
    assert.deepEqual(d && [d['line'], d['column'], d['endLine'], d['endColumn'], d['code'], d['rule'], d['severity']], [3, 38, 3, 44, 'IOT101', 'invalid-character', 'error']);
    assert.deepEqual(parsed[1]?.diagnostics, []);
  });
  void it('sarif is valid SARIF 2.1.0 with rules, help and regions', async () => {
    const out = join(dir, 'report.sarif');
    const r = run(['lint', '--format', 'sarif', '-o', out, 'msgs/nested/bad.iotmsg.json', 'malformed.iotmsg.json']);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    const text = readFileSync(out, 'utf8');
    const errors = await validateSarif(text);
    assert.deepEqual(errors, []);
    const log = JSON.parse(text);
    const run0 = log.runs[0];
    const rules = run0.tool.driver.rules as Array<{ id: string; help: { text: string } }>;
    assert.ok(rules.some((x) => x.id === 'IOT101' && x.help.text.length > 20));
    assert.ok(rules.some((x) => x.id === 'IOT901'));
    const res = run0.results[0];
    assert.equal(res.ruleId, 'IOT101');
    assert.equal(rules[res.ruleIndex]?.id, 'IOT101');
    assert.equal(res.level, 'error');
    assert.deepEqual(res.locations[0].physicalLocation, {
      artifactLocation: { uri: 'msgs/nested/bad.iotmsg.json', uriBaseId: '%SRCROOT%' },
      region: { startLine: 3, startColumn: 38, endLine: 3, endColumn: 44 },
    });
    assert.equal(run0.originalUriBaseIds['%SRCROOT%'].uri, `file://${dir}/`);
  });
});

void describe('the real process', () => {
  void it('exits with the code and prints to stdout', () => {
    const r = spawnSync(process.execPath, ['--import', TSX, join(root, 'src/lint/cli.ts'), 'lint', 'msgs/**/*.iotmsg.json'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /msgs\/nested\/bad\.iotmsg\.json:3:38: error IOT101/);
    const ok = spawnSync(process.execPath, ['--import', TSX, join(root, 'src/lint/cli.ts'), 'lint', join(root, 'demo/telemetry.iotmsg.json')], { cwd: dir, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  });
});

/**
 * The normative parts of the SARIF 2.1.0 schema this linter uses (required properties, types and
 * enums from the OASIS schema, sarif-schema-2.1.0.json), checked with the JSON language service.
 */
async function validateSarif(text: string): Promise<string[]> {
  const message = { type: 'object', required: ['text'], properties: { text: { type: 'string' }, markdown: { type: 'string' } } };
  const region = {
    type: 'object',
    properties: { startLine: { type: 'integer', minimum: 1 }, startColumn: { type: 'integer', minimum: 1 }, endLine: { type: 'integer', minimum: 1 }, endColumn: { type: 'integer', minimum: 1 } },
  };
  const schema: JSONSchema = {
    type: 'object',
    required: ['version', 'runs'],
    properties: {
      $schema: { type: 'string', format: 'uri' },
      version: { enum: ['2.1.0'] },
      runs: {
        type: 'array',
        items: {
          type: 'object',
          required: ['tool'],
          properties: {
            tool: {
              type: 'object', required: ['driver'],
              properties: {
                driver: {
                  type: 'object', required: ['name'],
                  properties: {
                    name: { type: 'string' }, version: { type: 'string' },
                    rules: {
                      type: 'array',
                      items: {
                        type: 'object', required: ['id'],
                        properties: {
                          id: { type: 'string' }, name: { type: 'string' }, shortDescription: message, fullDescription: message, help: message,
                          defaultConfiguration: { type: 'object', properties: { level: { enum: ['none', 'note', 'warning', 'error'] } } },
                        },
                      },
                    },
                  },
                },
              },
            },
            originalUriBaseIds: { type: 'object', additionalProperties: { type: 'object', properties: { uri: { type: 'string', format: 'uri-reference' } } } },
            columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
            results: {
              type: 'array',
              items: {
                type: 'object', required: ['message'],
                properties: {
                  ruleId: { type: 'string' }, ruleIndex: { type: 'integer', minimum: -1 },
                  level: { enum: ['none', 'note', 'warning', 'error'] },
                  message,
                  locations: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        physicalLocation: {
                          type: 'object',
                          properties: {
                            artifactLocation: { type: 'object', properties: { uri: { type: 'string', format: 'uri-reference' }, uriBaseId: { type: 'string' } } },
                            region,
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
  const ls = getLanguageService({});
  const doc = TextDocument.create('file:///report.sarif', 'json', 1, text);
  return (await ls.doValidation(doc, ls.parseJSONDocument(doc), {}, schema)).map((d) => (typeof d.message === 'string' ? d.message : d.message.value));
}

void describe('documentation', () => {
  void it('docs/message-files.md lists every rule code the linter can report', async () => {
    const { rulesInCodeOrder } = await import('../../../src/core/message/rules');
    const { FILE_RULES } = await import('../../../src/language/rules/fileRules');
    const doc = readFileSync(join(root, 'docs/message-files.md'), 'utf8');
    const codes = [...rulesInCodeOrder().map((r) => r.code), ...Object.values(FILE_RULES).map((r) => r.code)];
    assert.deepEqual(codes.filter((c) => !doc.includes(`| ${c} |`)), []);
  });
});
