// Writes a W x H JPEG drawn by Chromium's canvas (a photo-like picture:
// gradients, shapes and noise, so it does not compress to nothing) with
// an EXIF APP1 segment whose Orientation is ORIENT, as a phone camera
// writes it.  For test_lan.sh's upload of a big rotated photo.
//
//   node tests/stack/mkjpeg.mjs OUT.jpg W H ORIENT
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [out, w, h, orient] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  const b64 = await page.evaluate(([cw, ch]) => {
    const c = document.createElement('canvas');
    c.width = cw;
    c.height = ch;
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, cw, ch);
    grad.addColorStop(0, '#ff4d8d');
    grad.addColorStop(1, '#2c7be5');
    g.fillStyle = grad;
    g.fillRect(0, 0, cw, ch);
    // The top is marked red: "upright" is checkable after the rotation.
    g.fillStyle = '#ff0000';
    g.fillRect(0, 0, cw, ch / 10);
    const img = g.getImageData(0, 0, cw, ch);
    let seed = 7;
    for (let i = 0; i < img.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = (seed % 41) - 20;
      img.data[i] += n;
      img.data[i + 1] += n;
      img.data[i + 2] += n;
    }
    g.putImageData(img, 0, 0);
    return c.toDataURL('image/jpeg', 0.92).split(',')[1];
  }, [Number(w), Number(h)]);
  const jpeg = Buffer.from(b64, 'base64');
  // APP1 "Exif\0\0", big-endian TIFF, one IFD entry: Orientation (0x0112).
  const tiff = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1,
    0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, Number(orient), 0, 0, 0, 0, 0, 0]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  writeFileSync(out, Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]));
} finally {
  await browser.close();
}
