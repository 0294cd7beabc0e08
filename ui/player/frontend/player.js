// The path player: paths drawn over a surface and animated in the browser from the paths alone.
//
// Python sends the figure once per change of the runs: the layout, static traces, and for each run
// its points as base64 float32 with the look of its traces (whole path, trail, −∇J arrow); the
// current points of a panel's runs are one trace. Play, the step buttons and the scrubber run here
// with no round trip; the step is sent back to Streamlit when it settles, so the rest of the page can
// follow it, and shared at once with the page's linked charts. The same frame also draws plain
// charts (mode "chart"), with a marker that follows a player's step when they are linked.
"use strict";

// Streamlit's component protocol (components v1), written out: ready, render, value, height.
function send(type, data) {
  window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, data), "*");
}

function fitHeight() {
  send("streamlit:setFrameHeight", {height: document.documentElement.scrollHeight});
}

// The step on screen, shared with the page's other frames (same origin, one page).
function sharedSteps() {
  try { return window.parent.__playerSteps || (window.parent.__playerSteps = {}); } catch (e) { return {}; }
}

function broadcast(group, step) {
  if (!group) return;
  sharedSteps()[group] = step;
  try { window.parent.dispatchEvent(new CustomEvent("player-step", {detail: {group: group, step: step}})); }
  catch (e) { /* no parent frame: nobody to tell */ }
}

const $ = id => document.getElementById(id);
const plot = $("plot"), scrub = $("scrub"), label = $("label"), whole = $("whole"), readout = $("readout");
const CONFIG = {displayModeBar: false, responsive: true, doubleClick: false, scrollZoom: false};
const FAST = {transition: {duration: 0}, frame: {duration: 0, redraw: false}, mode: "immediate"};
const FRAME_MS = 70;
const PLAY_FRAMES = 120;  // a run of any length plays in about PLAY_FRAMES frames (8 s)
const BAR_AND_READOUT_PX = 150;  // projector mode: the window height the player leaves for its bar

const state = {
  figure: null, runs: [], last: 0, step: 0, playing: false, timer: null, reset: null, group: null,
  click: null, clickSeq: 0, sent: null, reportTimer: null, hover: null, wholeShown: null, moving: [],
};

function decode(text) {
  // base64 of little-endian float32 values -> Float32Array
  if (!text) return null;
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function split(flat) {
  // interleaved x0, y0, x1, y1, ... -> [xs, ys]
  const n = flat.length / 2, xs = new Float32Array(n), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) { xs[i] = flat[2 * i]; ys[i] = flat[2 * i + 1]; }
  return [xs, ys];
}

function prepare(run) {
  const [xs, ys] = split(decode(run.path));
  const tips = run.tips ? split(decode(run.tips)) : null;
  return {xs: xs, ys: ys, tips: tips, loss: decode(run.loss), last: xs.length - 1, panel: run.panel,
          styles: run.styles};
}

function wholeShown() {
  return whole.checked || (!state.playing && state.step >= state.last);
}

function trail(run, step) {
  const k = Math.min(step, run.last), tail = state.figure.tail;
  const first = tail ? Math.max(0, k - tail) : 0;
  return {x: run.xs.subarray(first, k + 1), y: run.ys.subarray(first, k + 1)};
}

function arrow(run, step) {
  const k = Math.min(step, run.last);
  if (run.tips[0][k] === run.xs[k] && run.tips[1][k] === run.ys[k]) return {x: [], y: []};  // ∇J = 0
  return {x: [run.xs[k], run.tips[0][k]], y: [run.ys[k], run.tips[1][k]]};
}

function points(panel, step) {
  const runs = state.runs.filter(run => run.panel === panel);
  return {x: runs.map(run => run.xs[Math.min(step, run.last)]),
          y: runs.map(run => run.ys[Math.min(step, run.last)])};
}

function traces(step) {
  // static, whole paths, trails, arrows, then one trace of current points per panel
  const out = state.figure.static.slice(), moving = [], wholes = [];
  const shown = wholeShown();
  for (const run of state.runs) {
    wholes.push(out.length);
    out.push(Object.assign({}, run.styles.whole, {x: run.xs, y: run.ys, visible: shown}));
  }
  for (const run of state.runs) { moving.push(out.length); out.push(Object.assign({}, run.styles.trail, trail(run, step))); }
  for (const run of state.runs) {
    if (run.tips) { moving.push(out.length); out.push(Object.assign({}, run.styles.arrow, arrow(run, step))); }
  }
  state.figure.points.forEach((style, panel) => {
    moving.push(out.length);
    out.push(Object.assign({}, style, points(panel, step)));
  });
  state.moving = moving;
  state.wholes = wholes;
  state.wholeShown = shown;
  return out;
}

function movingData(step) {
  // the same order as the moving traces in traces()
  const data = state.runs.map(run => trail(run, step));
  for (const run of state.runs) if (run.tips) data.push(arrow(run, step));
  state.figure.points.forEach((_, panel) => data.push(points(panel, step)));
  return data;
}

function number(value) {
  return Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : String(value);
}

function showControls() {
  scrub.max = String(state.last);
  scrub.value = String(state.step);
  // step_scale: training steps per frame, where the frames are snapshots every so many steps
  const scale = state.figure.step_scale || 1;
  let text = `step ${state.step * scale} of ${state.last * scale}`;
  const run = state.runs.length === 1 ? state.runs[0] : null;
  if (run && run.loss) text += ` · J = ${number(run.loss[Math.min(state.step, run.last)])}`;
  label.textContent = text;
  $("play-text").textContent = state.playing ? "Pause" : "Play";
  $("play").setAttribute("aria-label", state.playing ? "Pause" : "Play");
}

function draw(full, newRuns) {
  // Plotly's fast path (no axes, no legend, no picture redrawn) whenever only points move: a step,
  // or new runs of the same shape; a new figure, or the whole paths appearing, redraw it all.
  if (!state.figure) return;
  if (full || wholeShown() !== state.wholeShown) {
    Plotly.react(plot, traces(state.step), state.figure.layout, CONFIG);
  } else if (newRuns) {
    const wholes = state.runs.map(run => ({x: run.xs, y: run.ys}));
    Plotly.animate(plot, {data: wholes.concat(movingData(state.step)), traces: state.wholes.concat(state.moving)},
                   FAST);
  } else {
    Plotly.animate(plot, {data: movingData(state.step), traces: state.moving}, FAST);
  }
  showControls();
  broadcast(state.group, state.step);
}

function value() {
  return {step: state.step, whole: whole.checked, click: state.click, click_seq: state.clickSeq,
          reset: state.reset};
}

function report(now) {
  // Send the step (and a click, the whole-path switch) to Streamlit once it has settled.
  clearTimeout(state.reportTimer);
  const current = value(), key = JSON.stringify(current);
  const go = () => {
    if (key === state.sent) return;
    state.sent = key;
    send("streamlit:setComponentValue", {value: current, dataType: "json"});
  };
  if (now) go(); else state.reportTimer = setTimeout(go, 300);
}

function setStep(step, now) {
  state.step = Math.max(0, Math.min(state.last, Math.round(step)));
  draw(false);
  report(now);
}

function pause() {
  clearInterval(state.timer);
  state.playing = false;
  document.body.classList.remove("playing");
  draw(false);
  report(true);
}

function play() {
  if (state.step >= state.last) state.step = 0;
  state.playing = true;
  document.body.classList.add("playing");
  const stride = Math.max(1, Math.ceil(state.last / PLAY_FRAMES));
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    state.step = Math.min(state.step + stride, state.last);
    if (state.step >= state.last) pause(); else draw(false);
  }, FRAME_MS);
  draw(false);
}

function dataPoint(event) {
  // The data coordinates under the mouse, or null outside every panel.
  const full = plot._fullLayout;
  if (!full || !full._plots) return null;
  const box = plot.getBoundingClientRect();
  for (const id of Object.keys(full._plots)) {
    const xa = full._plots[id].xaxis, ya = full._plots[id].yaxis;
    const px = event.clientX - box.left - xa._offset, py = event.clientY - box.top - ya._offset;
    if (px >= 0 && py >= 0 && px <= xa._length && py <= ya._length) return {x: xa.p2l(px), y: ya.p2l(py)};
  }
  return null;
}

function heightAt(x, y) {
  const grid = state.hover;
  if (!grid) return null;
  const i = Math.round((x - grid.x0) / (grid.x1 - grid.x0) * (grid.nx - 1));
  const j = Math.round((y - grid.y0) / (grid.y1 - grid.y0) * (grid.ny - 1));
  if (i < 0 || j < 0 || i >= grid.nx || j >= grid.ny) return null;
  return grid.z[j * grid.nx + i];
}

function shape(figure) {
  // everything but the numbers: when it is unchanged, new runs can take the fast path
  return JSON.stringify([figure.layout, figure.static, figure.points, figure.tail,
                         figure.runs.map(run => [run.styles, run.panel, !!run.tips])]);
}

function screenHeight() {
  // The browser window's height (the page around this frame), or the screen's where it cannot be read.
  try { return window.parent.innerHeight || screen.height; } catch (e) { return screen.height; }
}

function renderPlayer(args) {
  const figure = args.figure;
  if (args.big) {
    // Projector mode: as tall as the window allows, less the step bar and the read-out under it.
    figure.layout.height = Math.max(figure.layout.height || 0, screenHeight() - BAR_AND_READOUT_PX);
  }
  const atEnd = state.figure !== null && state.step >= state.last;
  const sameShape = state.figure !== null && shape(figure) === state.shape;
  state.shape = shape(figure);
  state.figure = figure;
  state.group = args.group;
  state.runs = figure.runs.map(prepare);
  state.last = Math.max(0, ...state.runs.map(run => run.last));
  state.hover = figure.hover ? Object.assign({}, figure.hover, {z: decode(figure.hover.z)}) : null;
  document.body.classList.toggle("big", !!args.big);
  if (args.reset !== state.reset) {
    // A new view asked for by the page (a first render, a preset, a link): take its step.
    state.reset = args.reset;
    state.step = args.step < 0 ? state.last : args.step;
    whole.checked = !!args.whole;
    state.sent = JSON.stringify(value());
  } else if (atEnd) {
    state.step = state.last;  // at the end of the old run: stay at the end of the new one
  }
  state.step = Math.max(0, Math.min(state.step, state.last));
  draw(!sameShape, true);
  fitHeight();
}

// A chart: a figure from Python; linked to a player, a dashed line at the player's step.
const chart = {figure: null, group: null, axes: [], shown: null, big: false};

function markerShapes(step) {
  return chart.axes.map(axis => ({type: "line", xref: axis, yref: `${axis.replace("x", "y")} domain`, x0: step,
                                  x1: step, y0: 0, y1: 1, line: {color: "#6b7280", dash: "dash", width: 1.5}}));
}

function markerLabels(step) {
  return chart.axes.map(axis => ({xref: axis, yref: `${axis.replace("x", "y")} domain`, x: step, y: 1,
                                  yanchor: "top", xanchor: "left", xshift: 4, showarrow: false,
                                  text: `step ${step}`, font: {color: "#4b5563", size: chart.big ? 18 : 12}}));
}

function drawChart(step) {
  const layout = Object.assign({}, chart.figure.layout);
  if (chart.axes.length) {
    layout.shapes = (layout.shapes || []).concat(markerShapes(step));
    layout.annotations = (layout.annotations || []).concat(markerLabels(step));
  }
  chart.shown = step;
  const figure = {data: chart.figure.data, layout: layout, config: CONFIG};
  if (chart.figure.frames) figure.frames = chart.figure.frames;  // an empty list trips Plotly.react
  Plotly.react(plot, figure);
}

function moveMarker(step) {
  // Only the marker moves: a relayout of a few shapes, cheap enough for every frame of Play.
  const shapes = (chart.figure.layout.shapes || []).length;
  const notes = (chart.figure.layout.annotations || []).length;
  const update = {};
  chart.axes.forEach((axis, i) => {
    update[`shapes[${shapes + i}].x0`] = step;
    update[`shapes[${shapes + i}].x1`] = step;
    update[`annotations[${notes + i}].x`] = step;
    update[`annotations[${notes + i}].text`] = `step ${step}`;
  });
  chart.shown = step;
  Plotly.relayout(plot, update);
}

function renderChart(args) {
  document.body.classList.add("chart");
  document.body.classList.toggle("big", !!args.big);
  chart.big = !!args.big;
  chart.figure = args.figure;
  chart.group = args.group;
  chart.axes = args.axes || [];
  const step = sharedSteps()[chart.group];
  drawChart(Number.isInteger(step) ? step : args.step);
  fitHeight();
}

$("back").addEventListener("click", () => { if (state.playing) pause(); setStep(state.step - 1, false); });
$("next").addEventListener("click", () => { if (state.playing) pause(); setStep(state.step + 1, false); });
$("play").addEventListener("click", () => (state.playing ? pause() : play()));
scrub.addEventListener("input", () => { if (state.playing) pause(); setStep(Number(scrub.value), false); });
scrub.addEventListener("change", () => report(true));
whole.addEventListener("change", () => { draw(false); report(true); });
document.addEventListener("keydown", event => {
  if (event.target === scrub || !state.figure) return;
  const moves = {ArrowLeft: -1, ArrowRight: 1};
  if (event.key in moves) {
    event.preventDefault();
    if (state.playing) pause();
    setStep(state.step + moves[event.key], false);
  } else if (event.key === " " && event.target.tagName !== "BUTTON") {
    event.preventDefault();
    state.playing ? pause() : play();
  }
});
plot.addEventListener("mousemove", event => {
  const point = state.figure && dataPoint(event);
  if (!point) { readout.innerHTML = "&nbsp;"; return; }
  const z = heightAt(point.x, point.y);
  let text = `x = ${number(point.x)}, y = ${number(point.y)}`;
  if (z !== null) text += `, J = ${number(z)}`;
  if (state.figure.clickable) text += " · click to start here";
  readout.textContent = text;
});
plot.addEventListener("click", event => {
  const point = state.figure && state.figure.clickable && dataPoint(event);
  if (!point) return;
  state.click = [Number(point.x.toPrecision(5)), Number(point.y.toPrecision(5))];
  state.clickSeq += 1;
  report(true);
});
try {
  window.parent.addEventListener("player-step", event => {
    if (chart.figure && chart.axes.length && event.detail.group === chart.group
        && event.detail.step !== chart.shown) {
      moveMarker(event.detail.step);
    }
  });
} catch (e) { /* no parent frame */ }
// plotly.js, loaded on the first render: the cartesian build (a third of the full one, three times
// quicker to start) unless a figure needs more (the 3D view asks for "full").
const BUNDLES = {cartesian: "plotly-cartesian.min.js", full: "plotly.min.js"};
let plotlyLoaded = null;

function loadPlotly(bundle) {
  if (!plotlyLoaded) {
    plotlyLoaded = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = BUNDLES[bundle] || BUNDLES.cartesian;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${script.src}`));
      document.head.appendChild(script);
    });
  }
  return plotlyLoaded;
}

// Every chart's frame runs on the page's one main thread: each frame takes its turn to start plotly.js
// and draw its first picture, so the first chart on the page does not wait for all of them. A turn
// that does not end (its frame was removed while loading) lets the next one go after TURN_MS.
const TURN_MS = 1500;

function inTurn(task) {
  let host;
  try {
    host = window.parent;
    void host.document;  // throws when the parent is not ours
  } catch (e) {
    return task();
  }
  const previous = host.__playerTurn || Promise.resolve();
  const waited = Promise.race([previous, new Promise(resolve => setTimeout(resolve, TURN_MS))]);
  const mine = waited.then(task);
  host.__playerTurn = mine.catch(() => undefined);
  return mine;
}

let lastArgs = null, drawing = null;  // drawing: the latest render; renders run in the order they came
let offScreenUpdate = null;

function onScreen() {
  // This frame's box against the page's window, measured now (an observer's last report may lag).
  try {
    const frame = window.frameElement;
    if (!frame) return true;
    const box = frame.getBoundingClientRect(), view = window.parent;
    return box.bottom > 0 && box.top < view.innerHeight && box.right > 0 && box.left < view.innerWidth;
  } catch (e) {
    return true;
  }
}

function schedule(render) {
  drawing = drawing ? drawing.then(render, render) : inTurn(render);
  drawing.catch(error => {
    document.body.classList.add("failed");  // shown even on a chart, where the read-out is hidden
    readout.textContent = `Could not draw: ${error}`;
    fitHeight();
  });
}

// A chart scrolled out of sight is not redrawn on every move: its latest update waits until it is
// seen again (its first picture is drawn at once, so the page keeps its height).
function drawIfSeen() {
  if (offScreenUpdate && onScreen()) {
    const render = offScreenUpdate;
    offScreenUpdate = null;
    schedule(render);
  }
}

new IntersectionObserver(drawIfSeen).observe(document.body);
try {  // the page scrolls inside its own container: any scroll there may bring this frame into view
  let queued = false;
  window.parent.document.addEventListener("scroll", () => {
    if (queued || !offScreenUpdate) return;
    queued = true;
    setTimeout(() => { queued = false; drawIfSeen(); }, 50);  // once per burst of scroll events
  }, {capture: true, passive: true});
} catch (e) { /* no parent page to watch */ }

window.addEventListener("message", event => {
  if (!event.data || event.data.type !== "streamlit:render") return;
  const args = event.data.args, text = JSON.stringify(args);
  if (text === lastArgs) return;  // a rerun that changed nothing here: nothing to redraw
  lastArgs = text;
  const render = () => loadPlotly(args.bundle).then(() => (args.mode === "chart" ? renderChart : renderPlayer)(args));
  if (args.mode === "chart" && drawing && !onScreen()) {
    offScreenUpdate = render;
    return;
  }
  offScreenUpdate = null;
  schedule(render);
});
new ResizeObserver(fitHeight).observe(document.body);
send("streamlit:componentReady", {apiVersion: 1});
