// Test memes: real PNG files rendered by Chromium itself (a coloured
// scene with classic top/bottom captions), so screenshots show something
// that looks like a meme.  The file name becomes the meme title.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const LIBRARY = [
  { file: 'When_the_build_passes.png', w: 800, h: 600, bg: ['#ff4f9a', '#ffd23f'], top: 'When the build', bottom: 'passes first try', face: 'joy' },
  { file: 'Monday_standup.png', w: 700, h: 700, bg: ['#4cc9f0', '#3d3885'], top: 'Me at standup', bottom: '"Still on it"', face: 'meh' },
  { file: 'Works_on_my_machine.png', w: 640, h: 800, bg: ['#3df5a7', '#0f766e'], top: 'It works', bottom: 'on my machine', face: 'smug' },
  { file: 'Friday_deploy.png', w: 900, h: 600, bg: ['#ff5d5d', '#7c2d12'], top: 'Deploying on', bottom: 'Friday at 5pm', face: 'panic' },
  { file: 'Reply_all.png', w: 800, h: 800, bg: ['#a78bfa', '#1e1b45'], top: 'Someone hit', bottom: 'reply all', face: 'panic' },
  { file: 'Cat_on_keyboard.png', w: 800, h: 600, bg: ['#fb923c', '#7c3aed'], top: 'Pair programming', bottom: 'with the cat', face: 'joy' },
];
const UPLOADS = [
  { file: 'Surprise_upload.png', w: 760, h: 600, bg: ['#facc15', '#be185d'], top: 'Uploaded while', bottom: 'the push died', face: 'smug' },
];

// Titles that test the layout: long enough to be cut (the server keeps 80
// characters), one word too long for any phone, a very short one.
const LONG_TITLES = [
  { file: 'When_the_production_database_migration_finally_finishes_after_three_hours_of_nervous_waiting.png', w: 800, h: 600, bg: ['#4cc9f0', '#ff4f9a'], top: 'Migration', bottom: 'finished', face: 'joy' },
  { file: 'Supercalifragilisticexpialidociousantidisestablishmentarianism.png', w: 600, h: 900, bg: ['#3d3885', '#3df5a7'], top: 'One very', bottom: 'long word', face: 'smug' },
  { file: 'Ok.png', w: 1200, h: 500, bg: ['#ffd23f', '#ff5d5d'], top: 'Ok', bottom: 'then', face: 'meh' },
];

const MOUTHS = {
  joy: 'border-radius:0 0 120px 120px;height:70px;top:62%;',
  meh: 'border-radius:8px;height:16px;top:68%;',
  smug: 'border-radius:0 0 120px 0;height:40px;top:64%;',
  panic: 'border-radius:50%;height:80px;width:70px;left:calc(50% - 35px);top:60%;',
};

function html(m) {
  return `<!doctype html><html><body style="margin:0">
  <div style="width:${m.w}px;height:${m.h}px;position:relative;overflow:hidden;
    background:linear-gradient(135deg,${m.bg[0]},${m.bg[1]});font-family:'DejaVu Sans Condensed','DejaVu Sans',sans-serif">
    <div style="position:absolute;inset:-20%;background:repeating-conic-gradient(rgba(255,255,255,.08) 0 10deg,transparent 10deg 20deg)"></div>
    <div style="position:absolute;width:46%;aspect-ratio:1;left:27%;top:calc(50% - 23%*${m.w}/${m.h});
      background:radial-gradient(circle at 35% 30%,#fff6a8,#ffd23f 55%,#e0a800);border-radius:50%;
      box-shadow:0 20px 60px rgba(0,0,0,.35)">
      <div style="position:absolute;width:14%;height:18%;background:#1a1030;border-radius:50%;left:28%;top:32%"></div>
      <div style="position:absolute;width:14%;height:18%;background:#1a1030;border-radius:50%;right:28%;top:32%"></div>
      <div style="position:absolute;width:46%;left:27%;background:#1a1030;${MOUTHS[m.face]}"></div>
    </div>
    ${['top', 'bottom'].map((k) => `<div style="position:absolute;left:0;right:0;${k}:4%;text-align:center;
      font-size:${Math.round(m.w / 11)}px;font-weight:900;color:#fff;text-transform:uppercase;line-height:1.05;
      -webkit-text-stroke:${Math.max(3, Math.round(m.w / 200))}px #000;paint-order:stroke fill;letter-spacing:1px">${m[k]}</div>`).join('')}
  </div></body></html>`;
}

async function render(chrome, list, dir) {
  mkdirSync(dir, { recursive: true });
  const page = await chrome.newPage();
  try {
    for (const m of list) {
      await page.setViewportSize({ width: m.w, height: m.h });
      await page.setContent(html(m));
      await page.screenshot({ path: path.join(dir, m.file), type: 'png' });
    }
  } finally {
    await page.close();
  }
  return list.map((m) => ({ path: path.join(dir, m.file), title: m.file.replace(/\.png$/, '').replace(/_/g, ' ') }));
}

// Writes the library and the upload images; returns {library, uploads}
// as [{path, title}].
export async function makeMemes(chrome, libraryDir, uploadDir) {
  return {
    library: await render(chrome, LIBRARY, libraryDir),
    uploads: await render(chrome, UPLOADS, uploadDir),
  };
}

// Writes the long-titled memes into dir; returns [{path, title}].
export function makeLongTitled(chrome, dir) {
  return render(chrome, LONG_TITLES, dir);
}

// n more memes (Stage_pick_01.png ...) for a ranking longer than a
// projector's column; returns [{path, title}].
export function makeMany(chrome, dir, n) {
  const colours = [['#ff4f9a', '#3d3885'], ['#4cc9f0', '#0f766e'], ['#ffd23f', '#be185d'], ['#3df5a7', '#7c3aed'], ['#fb923c', '#1e1b45']];
  const faces = ['joy', 'meh', 'smug', 'panic'];
  const list = Array.from({ length: n }, (_, i) => ({
    file: `Stage_pick_${String(i + 1).padStart(2, '0')}.png`, w: 480, h: 360,
    bg: colours[i % colours.length], top: `Pick ${i + 1}`, bottom: 'of the night', face: faces[i % faces.length],
  }));
  return render(chrome, list, dir);
}
