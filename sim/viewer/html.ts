// One run of the simulator as one self-contained HTML page: `renderRunHtml` turns a trace (the
// entries `sim run --trace` writes) and the run's violations into a page that fetches nothing at
// view time (its data, styles and script are inline). It draws a lane per node and client on a
// virtual-time axis: operations as spans (ok green, failed red, unknown outcome amber, never
// ended grey); faults, crashes, pauses, partitions and clock steps as marks; role, term, epoch,
// leadership and window-extension events as marks of their own; the violation as a red line
// with the operations it names outlined, and a sentence that explains the violation's kind.
// Zoom with the wheel or the buttons, pan by dragging, filter by lane and by kind, hover for
// the event's details.
//
// Invariants:
//   - Pure: no I/O, no clock; the same trace and violations give the same bytes.
//   - Nothing in the trace reaches the page as markup: the data is JSON inside a script element,
//     with `<` escaped, and the script writes text with textContent only.
//   - Big runs stay usable: the noisy kinds (frame deliveries, timers) are left out of the
//     page, and at most VIEWER_EVENTS_MAX marks and VIEWER_OPS_MAX operations are kept (the
//     first ones, and every event within 50 virtual ms of a violation); the page says how
//     many it left out. The page draws on a canvas, so a full page of marks stays interactive.

import type { TraceEntry } from '../trace.js';

/** Marks kept in a page; beyond it, later ones are left out (the page says how many). */
export const VIEWER_EVENTS_MAX = 50_000;
/** Operation spans kept in a page. */
export const VIEWER_OPS_MAX = 50_000;
/** Kinds never drawn: too many to be useful, and in every run. */
const NOISY_KINDS = new Set(['net.deliver', 'timer', 'op.invoke', 'op.ok', 'op.fail']);
/** Around a violation, events are kept even past the limits. */
const NEAR_VIOLATION_MS = 50;

export interface ViewerViolation {
  readonly kind: string;
  readonly atMs: number;
  readonly message: string;
}

export interface RunPageInput {
  readonly title: string;
  readonly entries: readonly TraceEntry[];
  readonly violations?: readonly ViewerViolation[];
}

/** What a violation kind means, in one sentence (sim/oracle/violations.ts). */
const EXPLANATIONS: Readonly<Record<string, string>> = {
  ts_duplicate: 'Two acknowledged timestamp grants overlap: the oracle handed out the same timestamp twice.',
  ts_real_time_order: 'A call began after another had returned, yet got a timestamp not above it: timestamps must grow in real time.',
  ts_rewind_after_restart: 'After a restart the server handed out a timestamp not above one it had acknowledged before.',
  ts_batch_shape: 'A batch was not the asked number of consecutive timestamps in one millisecond.',
  ts_served_not_durable: 'A timestamp was served above the high-water that was durable on disk: it must be persisted before it is served.',
  seq_overlap: 'Two blocks of one sequence key intersect.',
  seq_block_shape: 'A sequence block came back for another key or size than asked.',
  seq_acknowledged_lost: 'An acknowledged sequence block is missing from the durable ledger after a crash or at the end.',
  seq_ledger_hole: 'A value below a key’s durable counter was never granted to any request: the ledger has a hole.',
  seq_request_two_blocks: 'The ledger holds a different block for a request id than the call got: a retry was not exactly once.',
  seq_block_under_other_request: 'The block a call got is recorded under another request id.',
  seq_call_request_id_unexpected: 'A call used a request id that is not its place among its session’s calls.',
  seq_block_for_failed_call: 'The ledger holds a block for a call that failed definitively.',
  seq_block_unexplained: 'The ledger holds a block for a request id no call used.',
  high_water_published_not_durable: 'The driver published a high-water the disk did not hold durably.',
  durable_high_water_went_back: 'The durable high-water on disk decreased.',
  published_high_water_went_back: 'A published high-water went below an earlier one.',
  durable_ledger_went_back: 'A durable sequence counter decreased.',
  durable_record_corrupt: 'A durable record does not decode.',
  raft_two_leaders_in_term: 'Election safety broken: two nodes led the same term.',
  raft_log_mismatch: 'Log matching broken: two logs agree on an entry’s index and term but differ before it.',
  raft_leader_incomplete: 'Leader completeness broken: a new leader lacks an entry committed before its term.',
  raft_state_machine_divergence: 'State-machine safety broken: two nodes applied different entries at one index.',
  raft_config_jump: 'A configuration differs from the one before it by more than one voter: two disjoint majorities could decide.',
  raft_config_change_unsafe: 'A leader took a membership change with another in flight, or before an entry of its term committed.',
  process_failed: 'An exception escaped the product’s code (an assertion or a TypeError).',
  call_overran_deadline: 'A call ended later than its overall deadline allows.',
  liveness_not_converged: 'After the faults stopped, calls did not drain or the server did not serve in time.',
  liveness_call_failed: 'A call made after the cluster converged failed.',
  liveness_no_progress: 'No call of a client succeeded after the cluster converged.',
  liveness_call_stuck: 'A call never ended.',
  server_start_stuck: 'The server did not come up.',
  run_event_bound: 'The run hit its event bound: a livelock.',
};

/** How an event kind is drawn: its category (colour and filter group). */
function categoryOf(kind: string): string | null {
  if (NOISY_KINDS.has(kind)) return null;
  if (kind.startsWith('fault.') || kind === 'nemesis') return 'fault';
  if (kind.startsWith('process.')) return 'process';
  if (kind === 'net.partition' || kind === 'net.heal') return 'partition';
  if (kind.startsWith('clock.')) return 'clock';
  if (kind.startsWith('serving.') || kind.startsWith('raft.') || kind.startsWith('paxos.') || kind.includes('role') || kind.includes('term') || kind.includes('epoch')) return 'role';
  if (kind.startsWith('phase.') || kind.startsWith('sim.')) return 'phase';
  if (kind.startsWith('disk.')) return 'disk';
  if (kind.startsWith('net.')) return 'net';
  return 'other';
}

/** The lane of a trace node: its name without the incarnation (`tso#2` → `tso`). */
function laneOf(node: string): string {
  const hash = node.indexOf('#');
  return hash === -1 ? node : node.slice(0, hash);
}

type Outcome = 'ok' | 'failed' | 'unknown' | 'open';

interface PageData {
  readonly title: string;
  readonly endMs: number;
  readonly lanes: string[];
  /** [lane index, start ms, end ms, outcome, label] */
  readonly ops: Array<[number, number, number, Outcome, string]>;
  /** [lane index, ms, category, kind, details JSON] */
  readonly events: Array<[number, number, string, string, string]>;
  readonly violations: Array<{ kind: string; atMs: number; message: string; explanation: string; ops: string[] }>;
  readonly omittedEvents: number;
  readonly omittedOps: number;
}

function detailsText(entry: TraceEntry): string {
  return entry.details === undefined ? '' : JSON.stringify(entry.details, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The page's data: lanes, operation spans, marks and violations, within the limits. */
export function runPageData(input: RunPageInput): PageData {
  const violations = input.violations ?? [];
  const nearViolation = (t: number): boolean => violations.some((v) => Math.abs(v.atMs - t) <= NEAR_VIOLATION_MS);
  const lanes: string[] = [];
  const laneIndex = new Map<string, number>();
  const lane = (node: string): number => {
    const name = laneOf(node);
    let index = laneIndex.get(name);
    if (index === undefined) {
      index = lanes.length;
      lanes.push(name);
      laneIndex.set(name, index);
    }
    return index;
  };
  lane('world');
  const ops: PageData['ops'] = [];
  const open = new Map<string, number>(); // `${lane}/${op}` → index in ops
  const events: PageData['events'] = [];
  let omittedEvents = 0;
  let omittedOps = 0;
  let endMs = 0;
  for (const entry of input.entries) {
    endMs = Math.max(endMs, entry.t);
    const details = (entry.details ?? {}) as Record<string, unknown>;
    if (entry.kind === 'op.invoke') {
      if (ops.length >= VIEWER_OPS_MAX && !nearViolation(entry.t)) {
        omittedOps += 1;
        continue;
      }
      const l = lane(entry.node);
      const count = details['count'] === undefined || details['count'] === null ? '' : String(details['count']);
      const key = details['key'] === undefined || details['key'] === null ? '' : `${String(details['key'])}, `;
      open.set(`${l}/${String(details['op'])}`, ops.length);
      ops.push([l, entry.t, entry.t, 'open', `op ${String(details['op'])} ${entry.node} ${String(details['kind'])}(${key}${count})`]);
      continue;
    }
    if (entry.kind === 'op.ok' || entry.kind === 'op.fail') {
      const at = open.get(`${lane(entry.node)}/${String(details['op'])}`);
      if (at === undefined) continue;
      open.delete(`${lane(entry.node)}/${String(details['op'])}`);
      const span = ops[at] as PageData['ops'][number];
      span[2] = entry.t;
      span[3] = entry.kind === 'op.ok' ? 'ok' : details['unknown'] === true ? 'unknown' : 'failed';
      span[4] += entry.kind === 'op.ok' ? ' → ok' : ` → ${String(details['code'])}`;
      continue;
    }
    const category = categoryOf(entry.kind);
    if (category === null) continue;
    if (events.length >= VIEWER_EVENTS_MAX && !nearViolation(entry.t)) {
      omittedEvents += 1;
      continue;
    }
    events.push([lane(entry.node), entry.t, category, entry.kind, detailsText(entry)]);
  }
  for (const at of open.values()) (ops[at] as PageData['ops'][number])[2] = endMs;
  return {
    title: input.title,
    endMs,
    lanes,
    ops,
    events,
    violations: violations.map((v) => ({
      kind: v.kind,
      atMs: v.atMs,
      message: v.message,
      explanation: EXPLANATIONS[v.kind] ?? 'A checker found this run wrong.',
      // The operations a violation names ("op 1111 c1#1"), to outline them.
      ops: [...v.message.matchAll(/op (\d+) ([\w-]+#\d+)/g)].map((m) => `op ${m[1]} ${m[2]}`),
    })),
    omittedEvents,
    omittedOps,
  };
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The whole page. */
export function renderRunHtml(input: RunPageInput): string {
  const data = runPageData(input);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:0;color:#222}
header{padding:8px 12px;border-bottom:1px solid #ddd}
h1{font-size:15px;margin:0 0 4px}
#violations .violation{background:#fde8e8;border-left:4px solid #c00;padding:4px 8px;margin:4px 0}
#controls{padding:6px 12px;display:flex;flex-wrap:wrap;gap:10px;align-items:center;border-bottom:1px solid #eee}
#controls label{white-space:nowrap}
#main{display:flex}
#lanes{width:110px;flex:none}
.lane{height:28px;line-height:28px;padding-left:8px;border-bottom:1px solid #f0f0f0;overflow:hidden;text-overflow:ellipsis}
#plot{flex:1;position:relative;overflow:hidden}
canvas{display:block}
#tip{position:fixed;pointer-events:none;background:#fffbe6;border:1px solid #aaa;padding:3px 6px;font:12px monospace;max-width:600px;white-space:pre-wrap;display:none}
.note{color:#666}
</style></head><body>
<header><h1>${escapeHtml(data.title)}</h1>
<div id="summary" class="note"></div>
<div id="violations"></div></header>
<div id="controls">
<button id="zoom-in">zoom in</button><button id="zoom-out">zoom out</button><button id="zoom-all">whole run</button><button id="zoom-violation">to the violation</button>
<span id="lane-filters"></span><span id="kind-filters"></span></div>
<div id="main"><div id="lanes"></div><div id="plot"><canvas id="canvas"></canvas></div></div>
<div id="tip"></div>
<script id="data" type="application/json">${scriptJson(data)}</script>
<script>${VIEWER_SCRIPT}</script>
</body></html>
`;
}

/** The page's script (plain browser JavaScript; writes text with textContent only). */
const VIEWER_SCRIPT = String.raw`
(function(){
const data = JSON.parse(document.getElementById('data').textContent);
const LANE_H = 28, PAD = 20;
const COLORS = {ok:'#3a9d4a', failed:'#d33', unknown:'#e0a000', open:'#999', fault:'#c0392b', process:'#8e44ad', partition:'#e67e22', clock:'#2980b9', role:'#16a085', phase:'#555', disk:'#7f8c8d', net:'#95a5a6', other:'#bbb'};
const shownLanes = new Set(data.lanes.map((_, i) => i));
const categories = [...new Set(data.events.map(e => e[2]))].sort();
const hiddenByDefault = new Set(['disk', 'net']);
const shownKinds = new Set(categories.filter(c => !hiddenByDefault.has(c)));
let showOps = true;
let view = {from: 0, to: Math.max(data.endMs, 1)};
const canvas = document.getElementById('canvas');
const plot = document.getElementById('plot');
const tip = document.getElementById('tip');
const summary = document.getElementById('summary');
summary.textContent = data.lanes.length + ' lanes, ' + data.ops.length + ' operations, ' + data.events.length + ' marks, ' + data.endMs.toFixed(1) + ' virtual ms' +
  (data.omittedEvents + data.omittedOps > 0 ? ' (left out past the page limits: ' + data.omittedEvents + ' marks, ' + data.omittedOps + ' operations)' : '');
const violationsBox = document.getElementById('violations');
for (const v of data.violations) {
  const div = document.createElement('div'); div.className = 'violation';
  const b = document.createElement('b'); b.textContent = v.kind + ' at ' + v.atMs.toFixed(3) + ' ms: ';
  div.appendChild(b); div.appendChild(document.createTextNode(v.explanation));
  const m = document.createElement('div'); m.className = 'note'; m.textContent = v.message; div.appendChild(m);
  violationsBox.appendChild(div);
}
const marked = new Set(data.violations.flatMap(v => v.ops));
function filterBox(parent, label, checked, onChange) {
  const l = document.createElement('label'); const c = document.createElement('input'); c.type = 'checkbox'; c.checked = checked;
  c.addEventListener('change', () => { onChange(c.checked); draw(); });
  l.appendChild(c); l.appendChild(document.createTextNode(' ' + label)); parent.appendChild(l);
}
const laneFilters = document.getElementById('lane-filters');
laneFilters.appendChild(document.createTextNode('lanes: '));
data.lanes.forEach((name, i) => filterBox(laneFilters, name, true, on => on ? shownLanes.add(i) : shownLanes.delete(i)));
const kindFilters = document.getElementById('kind-filters');
kindFilters.appendChild(document.createTextNode(' kinds: '));
filterBox(kindFilters, 'operations', true, on => showOps = on);
for (const c of categories) filterBox(kindFilters, c, shownKinds.has(c), on => on ? shownKinds.add(c) : shownKinds.delete(c));
const lanesBox = document.getElementById('lanes');
function visibleLanes() { return data.lanes.map((n, i) => i).filter(i => shownLanes.has(i)); }
let hits = [];
function draw() {
  const rows = visibleLanes();
  lanesBox.textContent = '';
  const axis = document.createElement('div'); axis.className = 'lane note'; axis.textContent = 'virtual ms'; lanesBox.appendChild(axis);
  for (const i of rows) { const d = document.createElement('div'); d.className = 'lane'; d.dataset.lane = data.lanes[i]; d.textContent = data.lanes[i]; lanesBox.appendChild(d); }
  const width = plot.clientWidth || 800, height = LANE_H * (rows.length + 1);
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio; canvas.height = height * ratio; canvas.style.width = width + 'px'; canvas.style.height = height + 'px';
  const g = canvas.getContext('2d'); g.setTransform(ratio, 0, 0, ratio, 0, 0); g.clearRect(0, 0, width, height);
  const x = t => PAD + (t - view.from) / (view.to - view.from) * (width - 2 * PAD);
  const rowOf = new Map(rows.map((lane, r) => [lane, r + 1]));
  g.fillStyle = '#666'; g.font = '11px sans-serif';
  for (let k = 0; k <= 8; k++) { const t = view.from + (view.to - view.from) * k / 8; g.fillText(t.toFixed(1), x(t) - 10, 16); g.fillStyle = '#eee'; g.fillRect(x(t), LANE_H, 1, height); g.fillStyle = '#666'; }
  hits = [];
  if (showOps) for (const [lane, s, e, outcome, label] of data.ops) {
    const r = rowOf.get(lane); if (r === undefined || e < view.from || s > view.to) continue;
    const x0 = x(s), x1 = Math.max(x(e), x0 + 2), y = r * LANE_H + 6;
    g.fillStyle = COLORS[outcome]; g.fillRect(x0, y, x1 - x0, LANE_H - 14);
    if (marked.has(label.split(' ').slice(0, 3).join(' '))) { g.strokeStyle = '#c00'; g.lineWidth = 2; g.strokeRect(x0 - 2, y - 3, x1 - x0 + 4, LANE_H - 8); }
    hits.push([x0, x1, y, y + LANE_H - 14, label]);
  }
  for (const [lane, t, category, kind, details] of data.events) {
    if (!shownKinds.has(category)) continue;
    const r = rowOf.get(lane); if (r === undefined || t < view.from || t > view.to) continue;
    const xt = x(t), y = r * LANE_H + 2;
    g.fillStyle = COLORS[category] || '#bbb'; g.fillRect(xt - 1, y, 3, LANE_H - 4);
    hits.push([xt - 3, xt + 3, y, y + LANE_H - 4, t.toFixed(3) + ' ms ' + kind + ' ' + details]);
  }
  for (const v of data.violations) { if (v.atMs < view.from || v.atMs > view.to) continue; g.fillStyle = '#c00'; g.fillRect(x(v.atMs) - 1, 0, 3, height); const w = g.measureText(v.kind).width; g.fillText(v.kind, x(v.atMs) + 4 + w > width ? x(v.atMs) - 4 - w : x(v.atMs) + 4, height - 4); }
}
function zoom(factor, at) {
  const span = view.to - view.from, center = at === undefined ? view.from + span / 2 : at;
  const next = Math.max(span * factor, 0.001);
  view = {from: center - (center - view.from) * next / span, to: center + (view.to - center) * next / span};
  draw();
}
document.getElementById('zoom-in').onclick = () => zoom(0.5);
document.getElementById('zoom-out').onclick = () => zoom(2);
document.getElementById('zoom-all').onclick = () => { view = {from: 0, to: Math.max(data.endMs, 1)}; draw(); };
document.getElementById('zoom-violation').onclick = () => { const v = data.violations[0]; if (v) { view = {from: v.atMs - 20, to: v.atMs + 20}; draw(); } };
function timeAt(clientX) { const r = canvas.getBoundingClientRect(); return view.from + (clientX - r.left - PAD) / (r.width - 2 * PAD) * (view.to - view.from); }
canvas.addEventListener('wheel', e => { e.preventDefault(); zoom(e.deltaY < 0 ? 0.8 : 1.25, timeAt(e.clientX)); }, {passive: false});
let drag = null;
canvas.addEventListener('mousedown', e => drag = {x: e.clientX, view});
window.addEventListener('mouseup', () => drag = null);
canvas.addEventListener('mousemove', e => {
  if (drag) { const dt = timeAt(drag.x) - timeAt(e.clientX); view = {from: drag.view.from + dt, to: drag.view.to + dt}; draw(); return; }
  const r = canvas.getBoundingClientRect(), px = e.clientX - r.left, py = e.clientY - r.top;
  const hit = hits.find(h => px >= h[0] && px <= h[1] && py >= h[2] && py <= h[3]);
  if (hit) { tip.textContent = hit[4]; tip.style.display = 'block'; tip.style.left = (e.clientX + 12) + 'px'; tip.style.top = (e.clientY + 12) + 'px'; } else tip.style.display = 'none';
});
window.addEventListener('resize', draw);
draw();
document.body.dataset.rendered = 'true';
})();
`;
