// Tiny SVG charts: a meme's score histogram (11 bars, 0..10) and the
// results' score distribution.  Pure functions returning elements.
import { h, svg } from './dom.js';

// histogram: 11 counts.  Bars scale to the largest; empty bars show a stub
// so the 0..10 axis stays readable.
export function histogramChart(histogram, { height = 48, label = 'Ratings histogram' } = {}) {
  const hist = Array.isArray(histogram) && histogram.length === 11 ? histogram : new Array(11).fill(0);
  const max = Math.max(1, ...hist);
  const w = 11 * 10;
  const root = svg('svg', {
    viewBox: `0 0 ${w} ${height}`, preserveAspectRatio: 'none', class: 'h-full w-full',
    role: 'img', 'aria-label': `${label}: ${hist.map((c, s) => `${s}: ${c}`).join(', ')}`,
  });
  hist.forEach((count, s) => {
    const bh = count ? Math.max(3, (count / max) * (height - 2)) : 1.5;
    root.append(svg('rect', {
      x: s * 10 + 1, y: height - bh, width: 8, height: bh, rx: 1.5,
      fill: count ? `hsl(${330 + s * 8}, 95%, ${58 + s * 1.5}%)` : 'rgba(255,255,255,0.15)',
    }));
  });
  return root;
}

// The score distribution of revealed places: one row per place with the
// average as a bar and the min..max range as a thin whisker over it.
export function distributionRows(places) {
  return places.map((p) => {
    const rated = p.count > 0 && p.avg !== null;
    const whisker = rated
      ? h('div', {
        class: 'absolute top-1/2 h-1 -translate-y-1/2 rounded-full bg-white/70',
        style: `left:${p.min * 10}%;width:${Math.max(0.8, (p.max - p.min) * 10)}%`,
      })
      : null;
    const median = rated && p.median !== null
      ? h('div', { class: 'absolute top-0 h-full w-1 rounded-full bg-white', style: `left:calc(${p.median * 10}% - 2px)` })
      : null;
    return h('div', {
      class: 'flex items-center gap-3',
      role: 'img',
      'aria-label': rated
        ? `Place ${p.place}: average ${p.avg.toFixed(1)}, from ${p.min} to ${p.max}, median ${p.median}`
        : `Place ${p.place}: no ratings`,
    },
    h('span', { class: 'min-w-[2.5rem] shrink-0 text-right text-base font-black tabular-nums text-white/70' }, `#${p.place}`),
    h('div', { class: 'relative h-6 flex-1 overflow-hidden rounded-full bg-white/10' },
      h('div', {
        class: 'h-full rounded-full bg-gradient-to-r from-pop-pink to-pop-yellow transition-[width] duration-700',
        style: `width:${rated ? p.avg * 10 : 0}%`,
      }),
      whisker, median),
    h('span', { class: 'min-w-[3rem] shrink-0 text-right text-lg font-black tabular-nums text-pop-yellow' }, rated ? p.avg.toFixed(1) : '–'));
  });
}
