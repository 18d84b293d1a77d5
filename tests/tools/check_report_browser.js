// emotion-report's pages in a real browser: Debian's chromium, headless, driven by puppeteer-core
// (npm, installed by run.sh into the build folder). A recording page of three EmoDB utterances:
// clicking a segment of the timeline seeks the audio to its start and highlights its table row;
// a screenshot is kept. A page of 10 hours of results loads quickly with the table paged.
// Without puppeteer-core or chromium the test skips (exit 77), unless EMOTION_REPORT_BROWSER_REQUIRED
// is set (CI), where it fails.
//   node check_report_browser.js EMOTION-REPORT EMODB-WAV-DIR NPM-MODULES-DIR SCREENSHOT.png [DOCS.png]
'use strict';
const {execFileSync} = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [tool, wavDir, modules, screenshot, docsScreenshot] = process.argv.slice(2);
const CHROMIUM = '/usr/bin/chromium';
let failures = 0;
function check(ok, message) {
  if (!ok) { failures++; console.log('FAIL: ' + message); } else console.log('ok: ' + message);
}
function skip(reason) {
  if (process.env.EMOTION_REPORT_BROWSER_REQUIRED) { console.log('FAIL (required): ' + reason); process.exit(1); }
  console.log('SKIP: ' + reason);
  process.exit(77);
}

let puppeteer;
try {
  puppeteer = require(path.resolve(modules, 'puppeteer-core'));
} catch (e) {
  skip('puppeteer-core not installed in ' + modules + ' (./run.sh build installs it with npm): ' + e.message);
}
if (!fs.existsSync(CHROMIUM)) skip(CHROMIUM + ' not found (apt-get install chromium)');

// A 10-hour result list: 3 s segments with 0.5 s pauses, labels and arousal/valence varying.
function tenHourResults() {
  const labels = ['angry', 'happy', 'neutral', 'sad'], lines = [];
  for (let t = 0, k = 0; t + 3 <= 36000; t += 3.5, k++) {
    const label = labels[(k * 7 + Math.floor(k / 50)) % 4];
    lines.push(JSON.stringify({segment: 'vad' + k, start: t, end: t + 3, label, confidence: 0.4 + 0.5 * ((k * 37) % 11) / 10,
                               scores: {}, model: 'synthetic', arousal: Math.sin(k / 40), valence: Math.cos(k / 70)}));
  }
  return lines.join('\n') + '\n';
}

async function main(work) {
  const archive = path.join(work, 'archive'), out = path.join(work, 'report');
  fs.mkdirSync(archive);
  // three utterances with pauses between them: three segments to click
  const silence = path.join(work, 'silence.wav');
  execFileSync('sox', ['-q', '-n', '-r', '16000', '-c', '1', '-b', '16', silence, 'trim', '0', '0.8']);
  execFileSync('sox', ['-q', path.join(wavDir, '03a01Wa.wav'), silence, path.join(wavDir, '03a01Nc.wav'), silence,
                       path.join(wavDir, '03a02Ta.wav'), path.join(archive, 'three.wav')]);
  fs.copyFileSync(path.join(wavDir, '03a01Fa.wav'), path.join(archive, 'long.wav'));
  fs.writeFileSync(path.join(archive, 'long.jsonl'), tenHourResults());
  execFileSync(tool, ['--out', out, archive], {stdio: 'inherit', env: {...process.env, OMP_NUM_THREADS: '1'}});

  const browser = await puppeteer.launch({executablePath: CHROMIUM, headless: true,
                                          args: ['--no-sandbox', '--headless', '--mute-audio', '--autoplay-policy=no-user-gesture-required']});
  try {
    const page = await browser.newPage();
    await page.setViewport({width: 1000, height: 700});
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));

    await page.goto('file://' + path.join(out, 'recordings', 'three.html'), {waitUntil: 'load'});
    await page.waitForFunction(() => document.getElementById('player').readyState >= 1, {timeout: 10000});
    const segments = await page.evaluate(() => REPORT.segments);
    check(segments.length >= 2, segments.length + ' segments on the page of three utterances');
    const target = segments.length - 1;
    await page.click('#detail rect.segment[data-index="' + target + '"]');
    await page.waitForFunction(() => !document.getElementById('player').seeking, {timeout: 5000});
    const state = await page.evaluate(() => ({
      time: document.getElementById('player').currentTime,
      rows: Array.from(document.querySelectorAll('#segments tr.current')).map(r => Number(r.dataset.index)),
      rect: Array.from(document.querySelectorAll('#detail rect.current')).map(r => Number(r.dataset.index)),
    }));
    check(Math.abs(state.time - segments[target][0]) < 0.05,
          'click on segment ' + target + ': currentTime ' + state.time.toFixed(3) + ' s, segment starts at ' + segments[target][0]);
    check(state.rows.length === 1 && state.rows[0] === target, 'highlighted table row ' + JSON.stringify(state.rows));
    check(state.rect.length === 1 && state.rect[0] === target, 'highlighted timeline segment ' + JSON.stringify(state.rect));
    // and back through the table: the first row seeks to the first segment
    await page.click('#segments tbody tr[data-index="0"]');
    const first = await page.evaluate(() => document.getElementById('player').currentTime);
    check(Math.abs(first - segments[0][0]) < 0.05, 'click on row 0: currentTime ' + first.toFixed(3));

    // playback moves the cursors (overview position in %, detail line in px)
    await page.evaluate(() => { const a = document.getElementById('player'); a.currentTime = 0; return a.play(); });
    await new Promise(resolve => setTimeout(resolve, 800));
    const playing = await page.evaluate(() => {
      const a = document.getElementById('player');
      a.pause();
      return {time: a.currentTime, overview: parseFloat(document.getElementById('overview-cursor').style.left),
              detail: Number(document.getElementById('detail-cursor').getAttribute('x1')), width: document.getElementById('detail').clientWidth,
              duration: Math.max(REPORT.duration, a.duration)};
    });
    check(playing.time > 0.2 && Math.abs(playing.overview - 100 * playing.time / playing.duration) < 1 &&
          Math.abs(playing.detail - playing.width * playing.time / playing.duration) < 3,
          'cursors follow playback: ' + JSON.stringify(playing));
    await page.click('#segments tbody tr[data-index="0"]');

    fs.mkdirSync(path.dirname(screenshot), {recursive: true});
    await page.screenshot({path: screenshot, fullPage: true});
    const png = fs.readFileSync(screenshot);
    check(png.length > 1000 && png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
          'screenshot ' + screenshot + ' is a PNG of ' + png.length + ' bytes');
    if (docsScreenshot) await page.screenshot({path: docsScreenshot, clip: {x: 0, y: 0, width: 1000, height: 580}});

    // the index's filters: by name, by dominant emotion
    await page.goto('file://' + path.join(out, 'index.html'), {waitUntil: 'load'});
    const visible = () => page.evaluate(() => Array.from(document.querySelectorAll('#recordings tr.recording'))
                                                 .filter(r => r.style.display !== 'none').map(r => r.dataset.name));
    check(JSON.stringify(await visible()) === '["long.wav","three.wav"]', 'index lists ' + JSON.stringify(await visible()));
    await page.type('#search', 'THR');
    check(JSON.stringify(await visible()) === '["three.wav"]', 'name filter "THR": ' + JSON.stringify(await visible()));
    await page.click('#search', {clickCount: 3});
    await page.keyboard.press('Backspace');
    const longDominant = await page.$eval('tr[data-name="long.wav"]', r => r.dataset.dominant);
    const threeDominant = await page.$eval('tr[data-name="three.wav"]', r => r.dataset.dominant);
    await page.select('#dominant', longDominant);
    const shown = longDominant === threeDominant ? '["long.wav","three.wav"]' : '["long.wav"]';
    check(JSON.stringify(await visible()) === shown, 'dominant filter "' + longDominant + '": ' + JSON.stringify(await visible()));

    // 10 hours: the inline script (drawing, first table page) runs before DOMContentLoaded
    const started = Date.now();
    await page.goto('file://' + path.join(out, 'recordings', 'long.html'), {waitUntil: 'domcontentloaded'});
    const loaded = Date.now() - started;
    const long = await page.evaluate(() => ({
      segments: REPORT.segments.length,
      rows: document.querySelectorAll('#segments tbody tr').length,
      rects: document.querySelectorAll('#detail rect').length,
      pager: document.getElementById('page').textContent,
    }));
    console.log('10-hour page: ' + long.segments + ' segments, DOMContentLoaded after ' + loaded + ' ms, ' +
                long.rows + ' table rows, ' + long.rects + ' timeline rectangles, "' + long.pager + '"');
    check(long.segments > 10000, '10-hour page holds ' + long.segments + ' segments');
    check(loaded < 4000, '10-hour page loaded in ' + loaded + ' ms');
    check(long.rows === 500, 'table paged: ' + long.rows + ' rows shown');
    check(long.rects > 0 && long.rects <= 2000, long.rects + ' rectangles in the detail view');
    await page.click('#next');
    const second = await page.evaluate(() => document.querySelector('#segments tbody tr').dataset.index);
    check(second === '500', 'next page starts at segment ' + second);
    // a click on the overview at 90 % turns the table to that segment's page
    const box = await (await page.$('#overview')).boundingBox();
    await page.mouse.click(box.x + box.width * 0.9, box.y + box.height / 2);
    const jumped = await page.evaluate(() => Number(document.querySelector('#segments tr.current').dataset.index));
    const expected = Math.floor(0.9 * 36000 / 3.5);
    check(Math.abs(jumped - expected) < 30, 'overview click at 90 %: segment ' + jumped + ' highlighted (about ' + expected + ')');
    // the whole 10 hours in the detail view: segments merged per pixel column, curves thinned
    const whole = await page.evaluate(() => {
      const span = document.getElementById('span');
      span.value = span.options[span.options.length - 1].value;
      const t0 = performance.now();
      span.dispatchEvent(new Event('change'));
      return {ms: performance.now() - t0, rects: document.querySelectorAll('#detail rect').length,
              merged: document.querySelectorAll('#detail rect.merged').length,
              curves: Array.from(document.querySelectorAll('#detail polyline')).map(p => p.points.numberOfItems)};
    });
    console.log('whole 10 hours in the detail view: ' + JSON.stringify(whole));
    check(whole.merged > 100 && whole.rects <= 2000 + 50, 'whole view merged: ' + whole.rects + ' rectangles');
    check(whole.curves.length === 2 && whole.curves.every(n => n > 100 && n <= 2000),
          'arousal and valence curves of ' + whole.curves + ' points');
    check(whole.ms < 1000, 'whole view drawn in ' + whole.ms.toFixed(0) + ' ms');
    check(errors.length === 0, 'no script errors ' + JSON.stringify(errors));
  } finally {
    await browser.close();
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'emotion-report-browser-'));
main(work)
  .catch(e => { console.log('FAIL: ' + (e.stack || e)); failures++; })
  .finally(() => {
    fs.rmSync(work, {recursive: true, force: true});
    console.log(failures + ' failures');
    process.exit(failures ? 1 : 0);
  });
