// CRC-32 (IEEE, the zlib polynomial) for record checksums. Node >= 20.15 ships a native
// `zlib.crc32`; the table fallback keeps older runtimes (e.g. an older Electron) working.
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array) => number;

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const table = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function tableCrc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}

export const crc32: Crc32 = native !== undefined ? (data) => native(data) >>> 0 : tableCrc32;
export const crc32Fallback: Crc32 = tableCrc32;
