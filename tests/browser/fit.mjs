// Layout and accessibility checks shared by the browser tests: the screen
// sizes every page must fit, a measure of what does not fit (sideways
// scroll, text cut without an ellipsis, figures cut at all), small text
// on a projector, and axe-core (npm, pinned) run inside the page.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, setViewport } from './harness.mjs';

// Small phones first (one with Safari's bars taking a third of it), a
// tablet, two laptops, a projector.
export const SIZES = [
  { name: '360x640', width: 360, height: 640 },
  { name: '375x553', width: 375, height: 553 },
  { name: '390x844', width: 390, height: 844 },
  { name: '768x1024', width: 768, height: 1024 },
  { name: '1280x720', width: 1280, height: 720 },
  { name: '1366x768', width: 1366, height: 768 },
  { name: '1920x1080', width: 1920, height: 1080 },
];
export const SMALL_PHONES = ['360x640', '375x553'];

// Sets the viewport and waits for two frames (layout and paint done) and
// for entrance animations, so a measure or a screenshot shows the state.
export async function resize(page, size) {
  await setViewport(page, size);
  await settle(page);
}

export async function settle(page) {
  await page.evaluate(() => Promise.race([
    Promise.all(document.getAnimations()
      .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity)
      .map((a) => a.finished.catch(() => {}))),
    new Promise((r) => setTimeout(r, 3000)),
  ]));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// What does not fit the viewport, as a list of human-readable problems
// (empty when the page fits):
// - the document scrolls sideways (scrollWidth > innerWidth);
// - a visible element ends beyond the right edge of the viewport;
// - an element's own text is wider (or, when it clips, taller) than its
//   box, unless it truncates on purpose (text-overflow: ellipsis or
//   -webkit-line-clamp) or is a scroll container;
// - a figure (an element with the tabular-nums class: counts, scores,
//   averages) is truncated in any way.
export function fitProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const doc = document.documentElement;
    const vw = window.innerWidth;
    if (doc.scrollWidth > vw) problems.push(`document is ${doc.scrollWidth} px wide in a ${vw} px viewport`);
    const name = (e) => {
      const id = e.id ? `#${e.id}` : '';
      const cls = typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).slice(0, 3).join('.')}` : '';
      const text = (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return `${e.tagName.toLowerCase()}${id}${cls} "${text}"`;
    };
    const visible = (e) => {
      if (!e.checkVisibility || !e.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true })) return false;
      const r = e.getBoundingClientRect();
      return r.width > 1 && r.height > 1;
    };
    // An element inside a clipping or scrolling ancestor is judged by that
    // ancestor: the list scrolls, the card clips an image on purpose.
    const insideClip = (e) => {
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (s.overflowX !== 'visible') return true;
      }
      return false;
    };
    const ownText = (e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    for (const e of document.body.querySelectorAll('*')) {
      if (!visible(e)) continue;
      const s = getComputedStyle(e);
      if (s.position === 'fixed' && e.closest('dialog:not([open])')) continue;
      const r = e.getBoundingClientRect();
      if ((r.right > vw + 1 || r.left < -1) && !insideClip(e) && s.position !== 'fixed') {
        problems.push(`${name(e)} spans x=${Math.round(r.left)}..${Math.round(r.right)}`);
      }
      if (s.display === 'inline' || s.display === 'contents') continue;
      // Text wider than the box it sits in spills over its neighbours.
      const parent = e.parentElement;
      if (ownText(e) && parent && parent !== document.body && r.width > parent.clientWidth + 1 &&
          getComputedStyle(parent).display !== 'contents' && getComputedStyle(parent).overflowX === 'visible') {
        problems.push(`${name(e)} is ${Math.round(r.width)} px wide in a ${parent.clientWidth} px box`);
      }
      const scrolls = ['auto', 'scroll'].includes(s.overflowX) || ['auto', 'scroll'].includes(s.overflowY);
      const ellipsis = s.textOverflow === 'ellipsis' || (s.webkitLineClamp && s.webkitLineClamp !== 'none');
      const figure = e.classList.contains('tabular-nums');
      if (scrolls || (!ownText(e) && !figure)) continue;
      const wide = e.scrollWidth > e.clientWidth + 1;
      const tall = s.overflowY !== 'visible' && e.scrollHeight > e.clientHeight + 1;
      if (figure && (wide || tall || (ellipsis && e.scrollWidth > e.clientWidth))) {
        problems.push(`figure ${name(e)} is cut (${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight})`);
      } else if (!ellipsis && (wide || tall)) {
        problems.push(`text of ${name(e)} does not fit its box (${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight})`);
      }
    }
    return problems;
  });
}

// Visible text smaller than min px (a projector's back row cannot read
// it), as "size px: text" lines.
export function smallText(page, min = 16) {
  return page.evaluate((minPx) => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const e = n.parentElement;
      if (!text || !e || !e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      const r = e.getBoundingClientRect();
      // Screen-reader-only text (a 1 px clipped box) is not seen.
      if (r.width <= 1 || r.height <= 1 || e.closest('.sr-only')) continue;
      const px = parseFloat(getComputedStyle(e).fontSize);
      if (px < minPx) out.push(`${px} px: ${text.slice(0, 40)}`);
    }
    return out;
  }, min);
}

// Whether el's box lies wholly inside the viewport (no scrolling needed).
export function inViewport(locator) {
  return locator.evaluate((e) => {
    const r = e.getBoundingClientRect();
    return {
      ok: r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && r.height > 0,
      box: `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)} in ${window.innerWidth}x${window.innerHeight}`,
    };
  });
}

let axeSource = null;

// Runs axe-core in the page; returns its serious and critical violations
// as "rule (impact): help -- target, ..." lines.
export async function axeViolations(page) {
  if (!axeSource) axeSource = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, not as an inline <script>:
  // the pages' Content-Security-Policy (script-src 'self') rightly
  // refuses inline scripts, and the audit must not need it loosened.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${axeSource}\n;0`);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ').slice(0, 160)}]` : ''}`),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} -- ${v.nodes.slice(0, 4).join('; ')}`);
}
