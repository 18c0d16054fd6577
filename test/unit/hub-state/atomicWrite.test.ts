// The one atomic-write helper: the new content replaces the old whole, the mode is applied even
// over an existing file with looser bits, and a failed write leaves the old file and no temporary.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeFileAtomic, writeFileAtomicSync } from '../../../src/hub/state/atomicWrite';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-write-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const forms = [
  ['sync', async (f: string, d: string | Uint8Array, mode?: number) => writeFileAtomicSync(f, d, mode === undefined ? {} : { mode })],
  ['async', (f: string, d: string | Uint8Array, mode?: number) => writeFileAtomic(f, d, mode === undefined ? {} : { mode })],
] as const;

for (const [name, write] of forms) {
  void describe(`writeFileAtomic (${name})`, () => {
    const dir = fs.mkdtempSync(path.join(root, `${name}-`));

    void it('replaces the content and leaves no temporary file', async () => {
      const file = path.join(dir, 'a.json');
      await write(file, 'old');
      await write(file, Buffer.from('new'));
      assert.equal(fs.readFileSync(file, 'utf8'), 'new');
      assert.deepEqual(fs.readdirSync(dir), ['a.json']);
    });

    void it('sets the mode also over an existing file (a secret becomes owner-only)', { skip: process.platform === 'win32' }, async () => {
      const file = path.join(dir, 'secret.json');
      fs.writeFileSync(file, 'public', { mode: 0o644 });
      await write(file, 'secret', 0o600);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      await write(path.join(dir, 'plain.json'), 'x');
      assert.equal(fs.statSync(path.join(dir, 'plain.json')).mode & 0o777, 0o666 & ~process.umask());
    });

    void it('a failed write throws, keeps what was there and leaves no temporary file', async () => {
      const target = path.join(dir, 'occupied');
      fs.mkdirSync(path.join(target, 'inside'), { recursive: true }); // rename over a non-empty directory fails
      await assert.rejects(async () => write(target, 'x'));
      assert.ok(fs.statSync(target).isDirectory());
      assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp-')), []);
      await assert.rejects(async () => write(path.join(dir, 'missing', 'f'), 'x'), { code: 'ENOENT' });
    });
  });
}
