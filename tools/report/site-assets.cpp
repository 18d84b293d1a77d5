#include "site-assets.h"

namespace emotion::tools {

const char* const kReportStyle = R"css(
body { font: 14px/1.4 sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 1.4em; margin: 0.3em 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: flex; width: 240px; height: 12px; background: #eee; }
.bar span { display: block; height: 100%; }
.legend span { margin-right: 1em; white-space: nowrap; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
tr.error td { color: #a00; }
audio { width: 100%; margin: 0.5em 0; }
.timeline { position: relative; height: 36px; border: 1px solid #999; cursor: pointer; }
#overview { width: 100%; height: 36px; display: block; }
#overview-view { position: absolute; top: 0; height: 100%; background: rgba(0, 0, 0, 0.08);
                 border-left: 1px solid #555; border-right: 1px solid #555; pointer-events: none; }
.cursor { position: absolute; top: 0; width: 2px; height: 100%; background: #000; pointer-events: none; }
#detail { width: 100%; display: block; border: 1px solid #999; }
#detail rect.segment { cursor: pointer; }
#detail rect.segment.current { stroke: #000; stroke-width: 2; }
#segments tbody tr { cursor: pointer; }
#segments tr.current { background: #ffe9a8; font-weight: bold; }
.pager button { margin: 0 0.3em; }
)css";

const char* const kIndexScript = R"js(
(function () {
  const dominant = document.getElementById('dominant');
  const search = document.getElementById('search');
  const rows = Array.from(document.querySelectorAll('#recordings tr.recording'));
  function filter() {
    const label = dominant.value, text = search.value.trim().toLowerCase();
    let shown = 0;
    for (const row of rows) {
      const visible = (!label || row.dataset.dominant === label) &&
                      (!text || row.dataset.name.toLowerCase().includes(text));
      row.style.display = visible ? '' : 'none';
      shown += visible;
    }
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';
  }
  dominant.addEventListener('change', filter);
  search.addEventListener('input', filter);
  filter();
})();
)js";

// The overview draws at most one rectangle per pixel column (segments merged: the label covering
// most of the column, opacity from the mean confidence), so 10 hours cost what 10 seconds do. The
// detail view draws the segments of a window as SVG rectangles (merged the same way when the
// window holds more than MAX_RECTS), and the table shows one page of rows.
const char* const kRecordingScript = R"js(
(function () {
  const R = REPORT, segs = R.segments, N = segs.length;
  const MAX_RECTS = 2000, DETAIL_HEIGHT = 56, CURVE_HEIGHT = 60, AXIS_HEIGHT = 18;
  const SVG = 'http://www.w3.org/2000/svg';
  const audio = document.getElementById('player');
  const overview = document.getElementById('overview'), detail = document.getElementById('detail');
  const tbody = document.querySelector('#segments tbody');
  const curves = R.arousal || R.valence;
  let duration = Math.max(R.duration, N ? segs[N - 1][1] : 0, 0.001);
  let view = {start: 0, span: 0}, page = 0, current = -1, ownSeek = false;

  const escape = text => text.replace(/[&<>"']/g, c => '&#' + c.charCodeAt(0) + ';');
  const opacity = c => 0.2 + 0.8 * Math.min(1, Math.max(0, c));
  function clock(t) {
    t = Math.max(0, t);
    const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
    const ss = (s < 10 ? '0' : '') + s.toFixed(duration < 600 ? 2 : 1);
    return (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + ss;
  }
  // the last segment starting at or before t (segments are sorted by start)
  function segmentAt(t) {
    let lo = 0, hi = N - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid][0] <= t + 1e-6) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }
  // per column of [t0, t1): {label, alpha, index} of the label covering most of it
  function columns(t0, t1, count) {
    const width = (t1 - t0) / count, cover = [], confidence = [], first = [];
    for (let i = Math.max(0, segmentAt(t0) - 64); i < N; i++) {
      const s = segs[i];
      if (s[0] >= t1) break;
      if (s[1] <= t0) continue;
      const c0 = Math.max(0, Math.floor((s[0] - t0) / width));
      const c1 = Math.min(count - 1, Math.floor((Math.min(s[1], t1) - t0) / width));
      for (let c = c0; c <= c1; c++) {
        const a = Math.max(s[0], t0 + c * width), b = Math.min(s[1], t0 + (c + 1) * width);
        if (b <= a) continue;
        const key = c * R.labels.length + s[2];
        cover[key] = (cover[key] || 0) + (b - a);
        confidence[key] = (confidence[key] || 0) + (b - a) * s[3];
        if (first[key] === undefined) first[key] = i;
      }
    }
    const out = [];
    for (let c = 0; c < count; c++) {
      let best = -1, most = 0;
      for (let l = 0; l < R.labels.length; l++) {
        const v = cover[c * R.labels.length + l] || 0;
        if (v > most) { most = v; best = l; }
      }
      if (best < 0 || most < 0.05 * width) continue;
      const key = c * R.labels.length + best;
      out.push({column: c, label: best, alpha: opacity(confidence[key] / most), index: first[key]});
    }
    return out;
  }

  function drawOverview() {
    const scale = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(overview.clientWidth * scale));
    overview.width = width;
    overview.height = Math.round(36 * scale);
    const ctx = overview.getContext('2d');
    ctx.clearRect(0, 0, width, overview.height);
    for (const col of columns(0, duration, width)) {
      ctx.globalAlpha = col.alpha;
      ctx.fillStyle = R.colours[col.label];
      ctx.fillRect(col.column, 0, 1, overview.height);
    }
    ctx.globalAlpha = 1;
  }

  function svg(name, attributes, parent) {
    const e = document.createElementNS(SVG, name);
    for (const k in attributes) e.setAttribute(k, attributes[k]);
    parent.appendChild(e);
    return e;
  }
  function tickStep(span) {
    for (const step of [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200])
      if (span / step <= 10) return step;
    return 21600;
  }
  function drawDetail() {
    const width = Math.max(100, detail.clientWidth), height = DETAIL_HEIGHT + AXIS_HEIGHT + (curves ? CURVE_HEIGHT : 0);
    detail.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    detail.setAttribute('height', height);
    detail.textContent = '';
    const t0 = view.start, t1 = view.start + view.span, x = t => (t - t0) / view.span * width;
    const first = Math.max(0, segmentAt(t0) - 64);
    let last = first;
    while (last < N && segs[last][0] < t1) last++;
    let inWindow = 0;
    for (let i = first; i < last; i++) inWindow += segs[i][1] > t0;
    if (inWindow <= MAX_RECTS) {
      for (let i = first; i < last; i++) {
        const s = segs[i];
        if (s[1] <= t0) continue;
        svg('rect', {class: 'segment' + (i === current ? ' current' : ''), 'data-index': i,
                     x: x(s[0]), y: 2, width: Math.max(1, x(s[1]) - x(s[0])), height: DETAIL_HEIGHT - 4,
                     fill: R.colours[s[2]], 'fill-opacity': opacity(s[3])}, detail);
      }
    } else {
      for (const col of columns(t0, t1, width))
        svg('rect', {class: 'segment merged', 'data-index': col.index, x: col.column, y: 2, width: 1,
                     height: DETAIL_HEIGHT - 4, fill: R.colours[col.label], 'fill-opacity': col.alpha}, detail);
    }
    if (curves) {
      const top = DETAIL_HEIGHT + 2, bottom = DETAIL_HEIGHT + CURVE_HEIGHT - 4;
      const y = v => bottom - (v + 1) / 2 * (bottom - top);  // values in [-1, 1]
      svg('line', {x1: 0, x2: width, y1: y(0), y2: y(0), stroke: '#ccc'}, detail);
      [[4, R.arousal, '#1a1a1a', 'arousal'], [5, R.valence, '#9466bd', 'valence']].forEach(([k, on, colour, name]) => {
        if (!on) return;
        const points = [];
        const stride = Math.max(1, Math.ceil((last - first) / MAX_RECTS));
        for (let i = first; i < last; i += stride)
          if (segs[i][k] !== null) points.push(x((segs[i][0] + segs[i][1]) / 2).toFixed(1) + ',' + y(segs[i][k]).toFixed(1));
        svg('polyline', {points: points.join(' '), fill: 'none', stroke: colour, 'stroke-width': 1.5, class: name}, detail);
        svg('text', {x: 4, y: k === 4 ? top + 10 : bottom - 2, 'font-size': 10, fill: colour}, detail).textContent = name;
      });
    }
    const axis = height - AXIS_HEIGHT, step = tickStep(view.span);
    for (let t = Math.ceil(t0 / step) * step; t <= t1 + 1e-9; t += step) {
      svg('line', {x1: x(t), x2: x(t), y1: axis, y2: axis + 4, stroke: '#555'}, detail);
      svg('text', {x: Math.min(width - 30, x(t) + 2), y: axis + 14, 'font-size': 10, fill: '#333'}, detail).textContent = clock(t).replace(/\.\d+$/, '');
    }
    svg('line', {id: 'detail-cursor', x1: 0, x2: 0, y1: 0, y2: axis, stroke: '#000', 'stroke-width': 2}, detail);
    document.getElementById('view-range').textContent = clock(t0) + ' - ' + clock(Math.min(t1, duration));
    const box = document.getElementById('overview-view');
    box.style.left = (t0 / duration * 100) + '%';
    box.style.width = (Math.min(view.span, duration - t0) / duration * 100) + '%';
    moveCursor();
  }
  // a window of `span` seconds showing t (pages of the span, so playback turns pages rarely)
  function showTime(t, force) {
    if (!force && t >= view.start && t < view.start + view.span) return;
    view.start = Math.max(0, Math.min(Math.floor(t / view.span) * view.span, duration - view.span));
    drawDetail();
  }

  function renderTable() {
    const pages = Math.max(1, Math.ceil(N / R.rowsPerPage));
    page = Math.min(Math.max(0, page), pages - 1);
    const rows = [];
    const number = v => v === null || v === undefined ? '' : v.toFixed(2);
    for (let i = page * R.rowsPerPage; i < Math.min(N, (page + 1) * R.rowsPerPage); i++) {
      const s = segs[i];
      let cells = '<td class="number">' + (i + 1) + '</td><td class="number">' + clock(s[0]) + '</td><td class="number">' +
                  clock(s[1]) + '</td><td><i style="display:inline-block;width:10px;height:10px;background:' +
                  R.colours[s[2]] + '"></i> ' + escape(R.labels[s[2]]) + '</td><td class="number">' + (100 * s[3]).toFixed(0) + '%</td>';
      if (R.arousal) cells += '<td class="number">' + number(s[4]) + '</td>';
      if (R.valence) cells += '<td class="number">' + number(s[5]) + '</td>';
      rows.push('<tr data-index="' + i + '"' + (i === current ? ' class="current"' : '') + '>' + cells + '</tr>');
    }
    tbody.innerHTML = rows.join('');
    document.getElementById('page').textContent = 'page ' + (page + 1) + ' of ' + pages + ' (' + N + ' segments)';
    document.getElementById('previous').disabled = page === 0;
    document.getElementById('next').disabled = page >= pages - 1;
  }

  // marks segment i in the detail view and the table (turning the table's page to it)
  function highlight(i, scroll) {
    if (i === current) return;
    current = i;
    for (const e of detail.querySelectorAll('rect.current')) e.classList.remove('current');
    if (i < 0) { for (const e of tbody.querySelectorAll('tr.current')) e.classList.remove('current'); return; }
    const rect = detail.querySelector('rect.segment[data-index="' + i + '"]');
    if (rect) rect.classList.add('current');
    const wanted = Math.floor(i / R.rowsPerPage);
    if (wanted !== page) { page = wanted; renderTable(); }
    for (const e of tbody.querySelectorAll('tr.current')) e.classList.remove('current');
    const row = tbody.querySelector('tr[data-index="' + i + '"]');
    if (row) { row.classList.add('current'); if (scroll) row.scrollIntoView({block: 'nearest'}); }
  }
  function seek(t) {
    t = Math.max(0, Math.min(t, duration));
    if (audio) { ownSeek = true; audio.currentTime = t; }
    showTime(t, false);
    moveCursor(t);
  }
  function select(i) {
    seek(segs[i][0]);
    highlight(i, true);
  }
  function now() { return audio ? audio.currentTime : 0; }
  function moveCursor(t) {
    if (t === undefined) t = now();
    document.getElementById('overview-cursor').style.left = (t / duration * 100) + '%';
    const line = document.getElementById('detail-cursor');
    if (line) {
      const x = (t - view.start) / view.span * Math.max(100, detail.clientWidth);
      line.setAttribute('x1', x);
      line.setAttribute('x2', x);
    }
  }
  function follow() {
    const t = now();
    showTime(t, false);
    moveCursor(t);
    const i = segmentAt(t);
    highlight(i >= 0 && segs[i][1] > t ? i : current, false);
  }

  const spans = [10, 30, 60, 300, 1800, 3600].filter(s => s < duration).concat([duration]);
  const select_span = document.getElementById('span');
  for (const s of spans) {
    const o = document.createElement('option');
    o.value = s;
    o.textContent = s === duration ? 'whole recording' : (s < 60 ? s + ' s' : s / 60 + ' min');
    select_span.appendChild(o);
  }
  view.span = spans.find(s => s >= 60) || duration;
  select_span.value = view.span;
  select_span.addEventListener('change', () => { view.span = Number(select_span.value); showTime(now(), true); });

  detail.addEventListener('click', e => {
    const rect = e.target.closest('rect.segment');
    if (rect) select(Number(rect.dataset.index));
  });
  tbody.addEventListener('click', e => {
    const row = e.target.closest('tr');
    if (row) select(Number(row.dataset.index));
  });
  overview.parentElement.addEventListener('click', e => {
    const box = overview.getBoundingClientRect();
    const t = (e.clientX - box.left) / box.width * duration;
    seek(t);
    const i = segmentAt(t);
    if (i >= 0) highlight(i, true);
  });
  document.getElementById('previous').addEventListener('click', () => { page--; renderTable(); });
  document.getElementById('next').addEventListener('click', () => { page++; renderTable(); });
  if (audio) {
    // playing, or seeking with the player's own controls: the views follow the audio; after a seek
    // of ours they already show the place (the audio may be shorter than its results)
    audio.addEventListener('timeupdate', () => { if (!audio.paused) follow(); });
    audio.addEventListener('seeked', () => { if (ownSeek) moveCursor(); else follow(); ownSeek = false; });
    audio.addEventListener('play', function frame() { follow(); if (!audio.paused) requestAnimationFrame(frame); });
    audio.addEventListener('loadedmetadata', () => {
      if (isFinite(audio.duration) && audio.duration > duration) { duration = audio.duration; drawOverview(); showTime(now(), true); }
    });
  }
  window.addEventListener('resize', () => { drawOverview(); drawDetail(); });
  drawOverview();
  showTime(0, true);
  renderTable();
})();
)js";

} // namespace emotion::tools
