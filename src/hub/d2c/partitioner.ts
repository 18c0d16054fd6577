// Stable device -> partition assignment. IoT Hub does not document its hash, so we use 32-bit
// FNV-1a over the UTF-8 bytes of the device id: cheap, stable across versions and platforms,
// and spreads sequential ids (dev1, dev2, ...) evenly.

export function fnv1a32(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function partitionForDevice(deviceId: string, partitionCount: number): number {
  return fnv1a32(deviceId) % partitionCount;
}
