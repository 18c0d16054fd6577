// The hex dump: offset, 16 bytes, ASCII; rows are built only when scrolled into view.
import { HEX_BYTES_PER_ROW, hexRow, hexRowCount } from '../../src/inspector/hex';
import { groupDigits } from '../../src/inspector/viewModel';
import { h } from './dom';
import { VirtualList } from './virtualList';

export function hexView(bytes: Uint8Array): VirtualList {
  const rows = hexRowCount(bytes.length);
  return new VirtualList({
    rowCount: rows,
    className: 'hex',
    testId: 'hex-view',
    ariaLabel: `Hex view of ${groupDigits(bytes.length)} bytes, ${groupDigits(rows)} rows of ${HEX_BYTES_PER_ROW}`,
    renderRow: (i) => {
      const r = hexRow(bytes, i);
      return h('div', { class: 'virtual-row hex-row', 'data-offset': String(r.offset) },
        h('span', { class: 'hex-offset' }, r.offsetText), '  ',
        h('span', { class: 'hex-bytes' }, r.hex.padEnd(HEX_BYTES_PER_ROW * 3, ' ')), '  ',
        h('span', { class: 'hex-ascii' }, r.ascii));
    },
  });
}
