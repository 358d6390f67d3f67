// The join QR code, drawn locally as SVG (the vendored qrcode-generator
// from npm computes the modules; no network, no canvas).
import qrcode from '/vendor/qrcode.js';
import { svg } from './dom.js';

// An <svg> for text, dark modules on a transparent ground (the container
// gives the white quiet zone).
export function qrSvg(text) {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  let d = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) d += `M${c} ${r}h1v1h-1z`;
    }
  }
  return svg('svg', { viewBox: `0 0 ${n} ${n}`, 'shape-rendering': 'crispEdges', 'aria-hidden': 'true' },
    svg('path', { d, fill: '#0b0a1a' }));
}
