#!/usr/bin/env node
// The browser test runner (`make test-browser`):
//
//   node tests/browser/run.mjs build/release
//
// Starts a real stack (tests/browser/stack.sh) with meme images in its
// library, launches Debian's Chromium through playwright-core, runs every
// tests/browser/*.test.mjs in name order (tests of one file run in order
// and share state: after a failure the rest of that file is counted as
// failed, not run), stops everything, prints "browser: N passed, N failed"
// and writes "N M" to build/results/browser.counts.
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { Browser, HERE, LAUNCH, ROOT, Stack, registry, setFile } from './harness.mjs';
import { makeMemes } from './memes.mjs';

const build = process.argv[2] || 'build/release';
const binDir = path.resolve(ROOT, build, 'bin');
const only = process.env.BROWSER_TEST_FILTER || '';
const resultsDir = path.join(ROOT, 'build', 'results');

let passed = 0;
let failed = 0;
const failures = [];

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memeter-browser-'));
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const stack = new Stack(dir, binDir, password);
  let chrome = null;
  let browser = null;
  try {
    chrome = await chromium.launch(LAUNCH);
    const memes = await makeMemes(chrome, path.join(dir, 'library'), path.join(dir, 'uploads'));
    await stack.start();
    console.log(`browser: stack at ${stack.base} (${dir})`);
    browser = new Browser(chrome);
    const ctx = { stack, base: stack.base, password, browser, memes, shared: {} };

    // BROWSER_ONLY=party,stage: those files only (for development).
    const only = (process.env.BROWSER_ONLY || '').split(',').filter(Boolean);
    const files = readdirSync(HERE).filter((f) => f.endsWith('.test.mjs'))
      .filter((f) => !only.length || only.includes(f.replace(/\.test\.mjs$/, ''))).sort();
    for (const f of files) {
      setFile(f);
      await import(pathToFileURL(path.join(HERE, f)).href);
    }
    let brokenFile = null;
    for (const t of registry) {
      const label = `${t.file.replace(/\.test\.mjs$/, '')}: ${t.name}`;
      if (only && !label.includes(only)) continue;
      if (brokenFile === t.file) {
        failed++;
        failures.push(label);
        console.log(`not ok - ${label} (not run: an earlier step of this file failed)`);
        continue;
      }
      const t0 = Date.now();
      try {
        await t.fn(ctx);
        passed++;
        console.log(`ok - ${label} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        failures.push(label);
        brokenFile = t.file;
        console.log(`not ok - ${label}\n    ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n    ')}`);
      }
    }
  } catch (e) {
    failed++;
    failures.push('setup');
    console.log(`not ok - setup: ${e && e.stack ? e.stack : e}`);
  } finally {
    if (browser) await browser.closeAll();
    if (chrome) await chrome.close().catch(() => {});
    await stack.stop().catch(() => {});
    if (failed === 0 && !process.env.KEEP_STACK_DIR) rmSync(dir, { recursive: true, force: true });
    else console.log(`browser: stack folder kept: ${dir}`);
  }
}

await main();
if (failures.length) console.log(`browser: failed: ${failures.join('; ')}`);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'browser.counts'), `${passed} ${failed}\n`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
