// The fast tree for valid JSON agrees with jsonc-parser's tree everywhere the rules look, and a
// body's bytes are the same whichever path parsed it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTree, type Node } from 'jsonc-parser';
import { bodyBytes, compactJson } from '../../../src/language/rules/body';
import { parseValidJsonTree } from '../../../src/language/rules/fastTree';

interface Shape { type: string; offset: number; length: number; value?: unknown; colonOffset?: number; children?: Shape[] }

/** The tree as plain data, without parents and without anything inside a message body. */
function shape(node: Node, inBody = false): Shape {
  const s: Shape = { type: node.type, offset: node.offset, length: node.length };
  if (node.value !== undefined) s.value = node.value;
  if (node.colonOffset !== undefined) s.colonOffset = node.colonOffset;
  if (!inBody && node.children) {
    s.children = node.children.map((c) => shape(c, node.type === 'property' && node.children?.[0]?.value === 'body' && c === node.children[1]));
  }
  return s;
}

function checkParents(node: Node): void {
  for (const c of node.children ?? []) {
    assert.equal(c.parent, node);
    checkParents(c);
  }
}

const message = fc.record({
  direction: fc.constantFrom('d2c', 'c2d'),
  deviceId: fc.string(),
  systemProperties: fc.dictionary(fc.constantFrom('messageId', 'ack', 'contentType', 'x'), fc.oneof(fc.string(), fc.integer())),
  applicationProperties: fc.dictionary(fc.string(), fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.boolean(), fc.constant(null))),
  body: fc.oneof(fc.jsonValue(), fc.record({ base64: fc.base64String() })),
}, { requiredKeys: ['direction'] });

void describe('fast tree', () => {
  void it('matches jsonc-parser outside bodies, for single messages and arrays, any indentation', () => {
    fc.assert(fc.property(fc.oneof(message, fc.array(message, { minLength: 1, maxLength: 3 })), fc.constantFrom(0, 2, '\t'), (value, indent) => {
      const text = JSON.stringify(value, null, indent);
      const fast = parseValidJsonTree(text);
      assert.ok(fast?.root);
      const slow = parseTree(text, [], { disallowComments: true });
      assert.ok(slow);
      assert.deepEqual(shape(fast.root), shape(slow));
      checkParents(fast.root);
    }), { numRuns: 300 });
  });
  void it('gives bodies the same bytes as compacting the jsonc-parser node', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.record({ base64: fc.base64String() })), fc.constantFrom(0, 2), (body, indent) => {
      const text = JSON.stringify({ direction: 'd2c', body }, null, indent);
      const fastBody = parseValidJsonTree(text)?.root?.children?.[1]?.children?.[1];
      const slowBody = parseTree(text)?.children?.[1]?.children?.[1];
      assert.ok(fastBody && slowBody);
      assert.deepEqual(bodyBytes(text, fastBody), bodyBytes(text, slowBody));
    }), { numRuns: 300 });
  });
  void it('refuses what JSON.parse refuses (then jsonc-parser reports where)', () => {
    for (const bad of ['', '{', '{"a":1,}', '// c\n{}', '\ufeff{}', '{"a" 1}']) assert.equal(parseValidJsonTree(bad), undefined, bad);
  });
  void it('skips strings with escaped quotes and brackets when finding a body end', () => {
    const text = '{"direction":"d2c","body":[{"s":"a\\"]}\\\\"},[1, 2]],"deviceId":"x"}';
    const root = parseValidJsonTree(text)?.root;
    const body = root?.children?.[1]?.children?.[1];
    assert.equal(body && text.slice(body.offset, body.offset + body.length), '[{"s":"a\\"]}\\\\"},[1, 2]]');
    assert.equal(root?.children?.[2]?.children?.[1]?.value, 'x');
    assert.equal(compactJson(text, 0, text.length), text.replace('1, 2', '1,2'));
  });
});
